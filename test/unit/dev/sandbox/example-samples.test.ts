import { strict as assert } from 'node:assert';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { LocalHome } from '../../../../dev/servers/home';
import { checkMagicBytes } from '../../../../src/core/validate/magic-bytes';
import { SEED_DOCUMENTS } from '../../../../dev/sandbox/example-content';
import { exampleId, exampleProducers, INVALID_EVERY, RETURN_AFTER_MS, type SampleFile } from '../../../../dev/sandbox/example-samples';
import { loadExamples, type Example, type FlowNode } from '../../../../dev/sandbox/flows';
import { REPO_ROOT } from '../../../support/runtimes';
import { globs, sampleProblems as problems } from '../../../support/sample-problems';

const when = new Date(2026, 10, 22, 10, 0, 0);
const ARRIVALS = 12;

describe('sandbox sample producers, checked against the examples themselves', () => {
  let examples: Example[];
  let dir: string;
  let home: LocalHome;

  before(async () => {
    examples = await loadExamples(join(REPO_ROOT, 'examples'));
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fb-example-samples-'));
    home = new LocalHome(dir, process.getuid?.() ?? 0, process.getgid?.() ?? 0);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function example(id: string): Example {
    const found = examples.find((e) => exampleId(e.name) === id);
    assert.ok(found, `no example ${id}`);
    return found;
  }

  /** The files of arrivals 1..ARRIVALS that land in the watched folder, by name. */
  async function produce(
    id: string,
  ): Promise<{ watch: FlowNode; validate: FlowNode | undefined; files: SampleFile[]; all: SampleFile[]; setup: SampleFile[] }> {
    const ex = example(id);
    const watch = ex.nodes.find((n) => n.type === 'filebridge-watch');
    assert.ok(watch && typeof watch.folder === 'string', `${id} has no watch`);
    const validate = ex.nodes.find((n) => n.type === 'filebridge-validate');
    const producer = exampleProducers()[id];
    assert.ok(producer, `no producer for ${id}`);
    const ctx = { folder: watch.folder as string, nodes: ex.nodes, home };
    const setup = producer.setup?.(ctx) ?? [];
    const all: SampleFile[] = [];
    for (let n = 1; n <= ARRIVALS; n++) all.push(...(await producer.next(n, when, ctx)));
    const files = all.filter((f) => f.path.startsWith(`${watch.folder as string}/`) && !f.keep);
    return { watch, validate, files, all, setup };
  }

  for (const id of ['ftp-cs-01', 'ftp-cs-03', 'ftp-cs-05', 'ftp-cs-07', 'sftp-cs-01', 'sftp-cs-03', 'sftp-cs-05']) {
    it(`${id}: every sample passes the example's watch filter and validate rules, with unique names`, async () => {
      const { watch, validate, files } = await produce(id);
      assert.ok(files.length >= ARRIVALS, `${id} dropped ${files.length} files in ${ARRIVALS} arrivals`);
      for (const f of files) {
        const name = f.path.replace(/^.*\//, '');
        assert.deepEqual(problems(name, Buffer.from(f.data), watch, validate), [], `${f.path} would be quarantined`);
      }
      assert.equal(new Set(files.map((f) => f.path)).size, files.length, 'two arrivals, one path');
    });
  }

  it('ftp-cs-01 drops both kinds the example routes (invoices and contracts)', async () => {
    const names = (await produce('ftp-cs-01')).files.map((f) => f.path);
    assert.ok(
      names.some((n) => /\/INV_ACME_2026-11-22_\d+\.pdf$/.test(n)),
      names.join(),
    );
    assert.ok(
      names.some((n) => /\/CON_GLOBEX_2026-11-22_C-\d+\.pdf$/.test(n)),
      names.join(),
    );
  });

  it('ftp-cs-03 lists every file it drops in the manifest the example reads, with the columns it looks up', async () => {
    const ex = example('ftp-cs-03');
    const map = ex.nodes.find((n) => n.type === 'filebridge-map-metadata');
    const { all, files, watch } = await produce('ftp-cs-03');
    // `{source.folder}/manifest.csv`: beside the top of the drop.
    assert.equal(map?.tableValue, '{source.folder}/manifest.csv');
    const manifest = [...all].reverse().find((f) => f.path === `${watch.folder as string}/manifest.csv`);
    assert.ok(manifest?.keep, 'no manifest, or it would be cleaned up as an arrival');
    const [header, ...rows] = String(manifest.data).trim().split('\n');
    const columns = header.split(',');
    assert.equal(columns[0], map?.tableKey);
    const rules = (map?.rules ?? []) as { kind: string; option: string }[];
    for (const r of rules.filter((x) => x.kind === 'lookup')) assert.ok(columns.includes(r.option), `manifest has no column ${r.option}`);
    const listed = new Set(rows.map((r) => r.split(',')[0]));
    for (const f of files) assert.ok(listed.has(f.path.slice((watch.folder as string).length + 1)), `${f.path} not in the manifest`);
    assert.ok(
      files.some((f) => f.path.split('/').length > 3),
      'no folder tree',
    );
  });

  it('ftp-cs-08 writes the vendor table the example reads and drops mostly good invoices, every sixth one bad', async () => {
    const ex = example('ftp-cs-08');
    const map = ex.nodes.find((n) => n.type === 'filebridge-map-metadata');
    const { watch, validate, files, setup } = await produce('ftp-cs-08');
    assert.deepEqual(
      setup.map((f) => f.path),
      [map?.tableValue],
    );
    const vendors = new Set(
      String(setup[0].data)
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')[0]),
    );
    assert.equal(String(setup[0].data).split('\n')[0], `${String(map?.tableKey)},name`);
    assert.equal(files.length, ARRIVALS);
    files.forEach((f, i) => {
      const name = f.path.replace(/^.*\//, '');
      const wrong = problems(name, Buffer.from(f.data), watch, validate);
      const vendor = /^INV_([A-Z0-9]+)_/.exec(name)?.[1];
      const good = wrong.length === 0 && vendor !== undefined && vendors.has(vendor);
      assert.equal(good, (i + 1) % INVALID_EVERY !== 0, `${name}: ${wrong.join('; ') || `vendor ${String(vendor)}`}`);
    });
  });

  it('ftp-cs-04 and sftp-cs-04: the partner returns each exported file once, signed, with its (CS-id), after a pause', async () => {
    for (const id of ['ftp-cs-04', 'sftp-cs-04']) {
      const ex = example(id);
      const watch = ex.nodes.find((n) => n.type === 'filebridge-watch');
      const put = ex.nodes.find((n) => n.type === 'filebridge-remote' && n.operation === 'put');
      const outbox = String(put?.path).replace(/\/+$/, '');
      const producer = exampleProducers()[id];
      const ctx = { folder: String(watch?.folder), nodes: ex.nodes, home };
      await home.writeFile(`${outbox}/Contract ACME (CS-4711).pdf`, 'exported');
      const now = new Date();
      assert.deepEqual(await producer.next(1, now, ctx), [], 'returned before the partner could have read it');
      const later = new Date(now.getTime() + RETURN_AFTER_MS + 1000);
      const back = await producer.next(2, later, ctx);
      assert.deepEqual(
        back.map((f) => f.path),
        [`${String(watch?.folder)}/Contract ACME (CS-4711)_signed.pdf`],
      );
      const name = back[0].path.replace(/^.*\//, '');
      assert.ok(
        globs(watch?.include).some((g) => picomatch(g)(name)),
        `${name} not in the include ${String(watch?.include)}`,
      );
      assert.deepEqual(checkMagicBytes(Buffer.from(back[0].data).subarray(0, 16), 'pdf'), []);
      // The example's own pattern finds the document id in the name.
      const map = ex.nodes.find((n) => n.type === 'filebridge-map-metadata');
      const rule = ((map?.rules ?? []) as { field: string; value: string }[]).find((r) => r.field === 'document');
      assert.equal(new RegExp(String(rule?.value)).exec(name)?.[1], '4711');
      assert.deepEqual(await producer.next(3, new Date(later.getTime() + 10_000), ctx), [], 'returned twice');
      await rm(join(dir, outbox), { recursive: true });
    }
  });

  it('every watched folder of the CS examples has a producer, so no example gets generic files', () => {
    const producers = exampleProducers();
    for (const ex of examples) {
      const id = exampleId(ex.name);
      if (!ex.nodes.some((n) => n.type === 'filebridge-watch') || !/^s?ftp-cs-/.test(id ?? '')) continue;
      assert.ok(id && producers[id], `${ex.name} watches a folder but has no sample producer`);
    }
  });

  it('seeds documents into every folder an export example selects', () => {
    for (const ex of examples) {
      for (const exp of ex.nodes.filter((n) => n.type === 'filebridge-cs-export' && n.mode === 'changes')) {
        const folder = String(exp.folder);
        const inside = SEED_DOCUMENTS.filter((d) => {
          const f = /^\d+$/.test(folder) ? `${folder}:` : folder;
          const under = d.folder === folder || d.folder.startsWith(`${f}/`) || d.folder.startsWith(f);
          const recursiveOk = exp.recursive === true || d.folder === folder;
          const filter =
            typeof exp.filterCategory === 'string' && exp.filterCategory !== ''
              ? String(d.categories?.[exp.filterCategory]?.[String(exp.filterAttribute)]) === String(exp.filterValue)
              : true;
          return under && recursiveOk && filter;
        });
        assert.ok(inside.length > 0, `${ex.name}: nothing seeded for ${String(exp.name)} (${folder})`);
      }
    }
  });

  it('seeds the document sftp-cs-08 retransmits, with the status its export filters on', () => {
    const ex = example('sftp-cs-08');
    const inject = ex.nodes.find((n) => n.type === 'inject' && typeof n.payload === 'string' && n.payload.startsWith('Enterprise:'));
    const exp = ex.nodes.find((n) => n.type === 'filebridge-cs-export');
    const doc = SEED_DOCUMENTS.find((d) => `${d.folder}/${d.name}` === inject?.payload);
    assert.ok(doc, `nothing seeded at ${String(inject?.payload)}`);
    assert.equal(String(doc.categories?.[String(exp?.filterCategory)]?.[String(exp?.filterAttribute)]), String(exp?.filterValue));
  });

  it('writes real files: a PDF that ends with %%EOF and an xref', async () => {
    const { files } = await produce('sftp-cs-01');
    await home.writeFile(files[0].path, files[0].data);
    const pdf = await readFile(join(dir, files[0].path));
    assert.match(pdf.toString('latin1'), /^%PDF-1\.4\n[\s\S]*\nxref\n[\s\S]*%%EOF\n$/);
    assert.deepEqual(await readdir(join(dir, 'sftp-cs-01')), ['inbox']);
  });
});
