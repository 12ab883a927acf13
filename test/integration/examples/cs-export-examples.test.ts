import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import helper from 'node-red-node-test-helper';
import serverNode from '../../../src/nodes/filebridge-server';
import remoteNode from '../../../src/nodes/filebridge-remote';
import csConnectionNode from '../../../src/nodes/filebridge-cs-connection';
import csExportNode from '../../../src/nodes/filebridge-cs-export';
import type { ExportSummary } from '../../../src/core/content-server';
import type { CategoryInput } from '../../../src/core/content-server/categories';
import { simulatorAndNodeRed } from '../../support/simulator-flows';
import { servers } from '../../support/dev-servers';
import { coreNode, nodeRedPath } from '../../support/node-red-under-test';
import { loadFlow } from '../../support/flow-helper';
import { coreNodes, prepareExample, type PreparedExample } from '../../support/example-flows';

helper.init(nodeRedPath());

const NODES = (): unknown[] => [serverNode, remoteNode, csConnectionNode, csExportNode, ...coreNodes(), coreNode('parsers/70-CSV.js')];

type Msg = Record<string, unknown> & { payload?: unknown; filebridge?: Record<string, Record<string, unknown>>; error?: { code?: string; message: string } };

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const bytes = (b: Buffer) => (): Readable => Readable.from([b]);
/** Content Server dates have whole seconds: a change in a later second is a change the mark sees. */
const nextSecond = (): Promise<void> => new Promise((r) => setTimeout(r, 1100));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Every file below a remote folder (relative path -> sha256), read from the servers' home folder. */
async function remoteTree(rel: string): Promise<Record<string, string>> {
  const s = servers();
  const found: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(s.localPath(dir), { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const child = `${dir}/${e.name}`;
      if (e.isDirectory()) await walk(child);
      else found[child.slice(rel.length + 1)] = sha256(await readFile(s.localPath(child)));
    }
  };
  await walk(rel);
  return found;
}

interface Watch {
  /** Which node receives the run report (output 2 of the export), which the stored files and manifests. */
  report: [string, string];
  stored: [string, string];
  manifest?: [string, string];
  /** Whether a run writes a manifest (default: when complete; sftp-cs-06: when it sent anything). */
  writesManifest?: (r: ExportSummary) => boolean;
}

/**
 * Follows an example's runs through the nodes its steps end in. The examples also run on their own
 * schedule (every 10 s), so a test does not count on its own trigger being the only run: it waits for
 * a run that started after the trigger and for every file and manifest any run sent to be stored.
 */
class ExportRuns {
  readonly reports: ExportSummary[] = [];
  readonly stored: Msg[] = [];
  readonly manifests: Msg[] = [];
  /** Stored files and manifests in the order their puts finished: `file <runId>` / `manifest <runId>`. */
  readonly finished: string[] = [];
  private failure: Msg | undefined;

  constructor(
    private readonly example: PreparedExample,
    private readonly watch: Watch,
  ) {
    helper.getNode(example.byName(watch.report[0], watch.report[1]).id).on('input', (m: Msg) => this.reports.push(m.payload as ExportSummary));
    helper.getNode(example.byName(watch.stored[0], watch.stored[1]).id).on('input', (m: Msg) => {
      this.stored.push(m);
      this.finished.push(`file ${String(m.filebridge?.export.runId)}`);
    });
    if (watch.manifest) {
      helper.getNode(example.byName(watch.manifest[0], watch.manifest[1]).id).on('input', (m: Msg) => {
        this.manifests.push(m);
        this.finished.push(`manifest ${String(m.filebridge?.export.runId)}`);
      });
    }
    helper.getNode(example.byName('debug', 'error code and text').id).on('input', (m: Msg) => (this.failure = m));
  }

  /** What the example's Catch reported since the last trigger (a method: the handler sets it meanwhile). */
  private caught(): Msg | undefined {
    return this.failure;
  }

  private settled(): boolean {
    const sent = this.reports.reduce((n, r) => n + r.sent, 0);
    const manifests = this.watch.manifest ? this.reports.filter((r) => (this.watch.writesManifest ?? ((x: ExportSummary) => x.complete))(r)).length : 0;
    return this.stored.length === sent && this.manifests.length === manifests;
  }

  /** Each run's manifest was stored after every file of that run. */
  assertManifestsLast(): void {
    for (const [i, event] of this.finished.entries()) {
      if (!event.startsWith('manifest ')) continue;
      const runId = event.slice('manifest '.length);
      assert.equal(this.finished.indexOf(`file ${runId}`, i), -1, `a file of run ${runId} was stored after its manifest: ${this.finished.join(', ')}`);
      assert.ok(
        this.finished.slice(0, i).includes(`file ${runId}`) || this.reports.find((r) => r.runId === runId)?.sent === 0,
        `manifest of run ${runId} without its files`,
      );
    }
  }

  /**
   * Fires the inject and resolves with the report of the first run that started after it, once
   * everything sent is stored. `failsWith`: the run is expected to stop with this error code (Catch).
   */
  async runNow(injectName: string, failsWith?: string): Promise<ExportSummary> {
    const firedAt = Date.now();
    this.failure = undefined;
    helper.getNode(this.example.byName('inject', injectName).id).receive({});
    for (const deadline = Date.now() + 20_000; ; await sleep(50)) {
      const caught = this.caught();
      if (caught && caught.error?.code !== failsWith) throw new Error(`the example's Catch node got: ${caught.error?.code} ${caught.error?.message}`);
      const mine = this.reports.find((r) => Date.parse(r.startedAt) >= firedAt);
      if (mine && this.settled() && (!failsWith || caught)) {
        if (failsWith) assert.deepEqual([mine.complete, mine.errors.map((e) => e.code)], [false, [failsWith]]);
        else assert.equal(mine.complete, true, JSON.stringify(mine.errors));
        return mine;
      }
      if (Date.now() > deadline)
        throw new Error(
          `no settled run after '${injectName}': ${this.reports.length} reports, ${this.stored.length} stored, ${this.manifests.length} manifests`,
        );
    }
  }
}

const MANIFEST_HEADER = 'name,path,version,size,sha256,modified';
const month = (): string => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
};

describe('Content Server -> partner server examples (cs export, real servers and the CS simulator)', function () {
  this.timeout(60_000);
  // 2470 "Metadata Templates" carries Invoice and Contract, so documents anywhere can get them.
  const { sim, client } = simulatorAndNodeRed({ client: { categoryTemplates: [2470] } });

  async function seed(target: string, name: string, content: Buffer, categories?: CategoryInput): Promise<number> {
    return (await client.upload({ target, name, open: bytes(content), createFolders: true, collision: 'add-version', categories })).id;
  }
  const setStatus = (id: number, status: string): Promise<void> => client.applyCategory(id, { Invoice: { Status: status } }, { definitionsFrom: 2470 });

  async function load(relPath: string): Promise<PreparedExample> {
    const example = prepareExample(relPath, { csApiBase: sim.apiBase });
    await loadFlow(NODES(), example.flow, example.credentials);
    return example;
  }

  /** The manifest a run should have produced: one row per document, in the order they were sent. */
  async function manifestFor(docs: { id: number; name: string; path: string; content: Buffer; version: number }[]): Promise<string> {
    const rows = [MANIFEST_HEADER];
    for (const d of docs) {
      const modified = (await client.getNode(d.id)).modifyDate?.toISOString();
      const quoted = (v: string): string => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
      rows.push([quoted(d.name), quoted(d.path), d.version, d.content.length, sha256(d.content), modified].join(','));
    }
    return `${rows.join('\n')}\n`;
  }

  const ftpCs02 = 'ftp-cs-02 Approved documents to partner FTP.json';
  it(ftpCs02, async () => {
    const s = servers();
    await s.remove('partner-release');
    const base = 'Enterprise:Partners/ACME';
    const approvedRoot = randomBytes(4000);
    const approvedDeep = randomBytes(7000);
    const draft = randomBytes(2500);
    await seed(base, 'INV-2026-0101.pdf', approvedRoot, { Invoice: { Vendor: 'ACME', Status: 'Approved' } });
    await seed(`${base}/Invoices 2026/11`, 'INV-2026-0102.pdf', approvedDeep, { Invoice: { Vendor: 'ACME', Status: 'Approved' } });
    const draftId = await seed(`${base}/Invoices 2026/11`, 'INV-2026-0103.pdf', draft, { Invoice: { Vendor: 'ACME', Status: 'Draft' } });
    const example = await load(ftpCs02);
    const runs = new ExportRuns(example, { report: ['debug', 'run report'], stored: ['debug', 'published'] });

    await runs.runNow('Export now');
    assert.deepEqual(
      await remoteTree('partner-release'),
      {
        'acme/INV-2026-0101.pdf': sha256(approvedRoot),
        'acme/Invoices 2026/11/INV-2026-0102.pdf': sha256(approvedDeep),
      },
      'only the approved invoices, in their sub-folders, no temporary files left',
    );
    assert.equal(runs.stored.length, 2);

    const again = await runs.runNow('Export now');
    assert.equal(again.sent, 0, 'nothing changed, nothing sent');
    assert.equal(runs.stored.length, 2, 'no document was sent twice');

    await nextSecond();
    await setStatus(draftId, 'Approved');
    const revised = randomBytes(4100);
    await seed(base, 'INV-2026-0101.pdf', revised);
    await runs.runNow('Export now');
    // Counted over every run: the example's own 10 s schedule may have picked up part of it first.
    assert.deepEqual(
      runs.stored
        .slice(2)
        .map((m) => [m.filename, m.filebridge?.cs.version])
        .sort(),
      [
        ['INV-2026-0101.pdf', 2],
        ['INV-2026-0103.pdf', 1],
      ],
    );
    assert.deepEqual(
      await remoteTree('partner-release'),
      {
        'acme/INV-2026-0101.pdf': sha256(revised),
        'acme/Invoices 2026/11/INV-2026-0102.pdf': sha256(approvedDeep),
        'acme/Invoices 2026/11/INV-2026-0103.pdf': sha256(draft),
      },
      'the newly approved invoice arrives and the new version replaces the older copy',
    );
    assert.equal(runs.stored.length, 4);
    assert.ok(runs.stored.every((m) => m.filebridge?.put.skipped === false));
  });

  const ftpCs06 = 'ftp-cs-06 Month-end package to FTP archive.json';
  it(ftpCs06, async () => {
    const s = servers();
    await s.remove('cs-archive');
    const base = 'Enterprise:Archive';
    const docs = [
      { name: 'INV-7001.pdf', path: '', content: randomBytes(5000), status: 'Paid' },
      { name: 'credit note, "ACME".pdf', path: '', content: randomBytes(1200), status: 'Paid' },
      { name: 'INV-7002.pdf', path: 'Suppliers/Globex', content: randomBytes(9000), status: 'Paid' },
      { name: 'INV-7003.pdf', path: 'Suppliers/Globex', content: randomBytes(3000), status: 'Approved' },
    ];
    const ids: number[] = [];
    for (const d of docs) {
      ids.push(await seed(d.path ? `${base}/${d.path}` : base, d.name, d.content, { Invoice: { Status: d.status } }));
      await nextSecond(); // distinct modify dates: the package goes out (and the manifest lists it) oldest first
    }
    const example = await load(ftpCs06);
    const runs = new ExportRuns(example, { report: ['switch', 'run complete?'], stored: ['debug', 'archived'], manifest: ['debug', 'manifest written'] });
    const folder = `cs-archive/${month()}`;
    const paid = (list: typeof docs): typeof docs => list.filter((d) => d.status === 'Paid');
    const expectedTree = (list: typeof docs): Record<string, string> => {
      const tree: Record<string, string> = {};
      for (const d of paid(list)) tree[d.path ? `${d.path}/${d.name}` : d.name] = sha256(d.content);
      return tree;
    };
    const expectedManifest = (list: typeof docs, versions: Record<string, number> = {}): Promise<string> =>
      manifestFor(
        paid(list).map((d) => ({
          id: ids[docs.indexOf(d)],
          name: d.name,
          path: d.path ? `${d.path}/${d.name}` : d.name,
          content: d.content,
          version: versions[d.name] ?? 1,
        })),
      );

    await runs.runNow('Run now');
    const tree = await remoteTree(folder);
    const manifest = (await s.readFile(`${folder}/manifest.csv`)).toString();
    delete tree['manifest.csv'];
    assert.deepEqual(tree, expectedTree(docs), 'the paid invoices of the folder and its sub-folders, nothing else');
    assert.equal(manifest, await expectedManifest(docs));
    assert.equal(runs.manifests[0].filebridge?.put.path, `${folder}/manifest.csv`);

    // A second run the same month writes the same package again: same files, same manifest.
    const second = await runs.runNow('Run now');
    assert.equal(second.sent, 3);
    const secondTree = await remoteTree(folder);
    assert.equal(secondTree['manifest.csv'], sha256(manifest), 'the manifest is unchanged');
    delete secondTree['manifest.csv'];
    assert.deepEqual(secondTree, expectedTree(docs));

    // An invoice paid later and a corrected version both appear in the next package.
    await setStatus(ids[3], 'Paid');
    docs[3].status = 'Paid';
    await nextSecond();
    docs[0].content = randomBytes(5100);
    await seed(base, docs[0].name, docs[0].content);
    const moved = [docs[1], docs[2], docs[3], docs[0]]; // the package is sent oldest change first
    await runs.runNow('Run now');
    const thirdTree = await remoteTree(folder);
    const thirdManifest = (await s.readFile(`${folder}/manifest.csv`)).toString();
    delete thirdTree['manifest.csv'];
    assert.deepEqual(thirdTree, expectedTree(docs));
    const ordered = moved.map((d) => ({
      id: ids[docs.indexOf(d)],
      name: d.name,
      path: d.path ? `${d.path}/${d.name}` : d.name,
      content: d.content,
      version: d === docs[0] ? 2 : 1,
    }));
    assert.equal(thirdManifest, await manifestFor(ordered));
    assert.equal(runs.manifests.length, 3);
    runs.assertManifestsLast();

    // The daily schedule only lets the month's last day through to the run.
    let started = 0;
    helper.getNode(example.byName('change', 'archive month').id).on('input', () => started++);
    const lastDayOfMonth = new Date(Date.now() + 86_400_000).getDate() === 1;
    helper.getNode(example.byName('inject', 'daily 23:50').id).receive({});
    await sleep(500);
    assert.equal(started, lastDayOfMonth ? 1 : 0);
  });

  const sftpCs02 = 'sftp-cs-02 Latest approved version to distributors.json';
  it(sftpCs02, async () => {
    const s = servers();
    await s.remove('distributors');
    const approved = 'Enterprise:Partners/Globex';
    const priceV1 = randomBytes(6000);
    const policy = randomBytes(2000);
    await seed(approved, 'price-list-2026.xlsx', priceV1);
    await seed(`${approved}/Policies`, 'returns-policy.pdf', policy);
    await seed('Enterprise:Partners/ACME/Drafts', 'price-list-2027.xlsx', randomBytes(100)); // not released
    const example = await load(sftpCs02);
    const runs = new ExportRuns(example, { report: ['debug', 'run report'], stored: ['debug', 'published'] });

    await runs.runNow('Export now');
    assert.deepEqual(await remoteTree('distributors'), {
      'globex/price-list-2026.xlsx': sha256(priceV1),
      'globex/Policies/returns-policy.pdf': sha256(policy),
    });

    const again = await runs.runNow('Export now');
    assert.equal(again.sent, 0);
    assert.equal(runs.stored.length, 2);

    await nextSecond();
    const priceV2 = randomBytes(6100);
    await seed(approved, 'price-list-2026.xlsx', priceV2);
    await runs.runNow('Export now');
    assert.deepEqual(
      runs.stored.slice(2).map((m) => [m.filename, m.filebridge?.cs.version]),
      [['price-list-2026.xlsx', 2]],
    );
    assert.deepEqual(
      await remoteTree('distributors'),
      {
        'globex/price-list-2026.xlsx': sha256(priceV2),
        'globex/Policies/returns-policy.pdf': sha256(policy),
      },
      'version 2 replaced version 1: one copy, the latest',
    );
    assert.equal(runs.stored.length, 3);
  });

  const sftpCs06 = 'sftp-cs-06 Customer package to customer SFTP.json';
  it(sftpCs06, async () => {
    const s = servers();
    await s.remove('customers');
    const invoice = randomBytes(4500);
    const contract = randomBytes(8000);
    const invoiceId = await seed('2461', 'INV-INITECH-0042.pdf', invoice, { Invoice: { Vendor: 'Initech', Status: 'Approved' } });
    await nextSecond();
    const contractId = await seed('2462:2026', 'Master agreement.pdf', contract);
    const example = await load(sftpCs06);
    const runs = new ExportRuns(example, {
      report: ['switch', 'sent anything?'],
      stored: ['debug', 'delivered'],
      manifest: ['debug', 'manifest written'],
      writesManifest: (r) => r.sent > 0,
    });
    const manifests = (tree: Record<string, string>): string[] =>
      Object.keys(tree)
        .filter((k) => /^manifest-\d{8}-\d{6}\.csv$/.test(k))
        .sort();
    const row = (id: number, name: string, path: string, content: Buffer, version = 1) => ({ id, name, path, content, version });

    // Content Server refuses the next call once the first file is on its way: the delivery breaks off after it.
    let refused = false;
    helper.getNode(example.byName('filebridge-remote', 'deliver file').id).on('input', () => {
      if (refused) return;
      refused = true;
      sim.script([{ status: 403, body: { error: 'You do not have the permission.' } }]);
    });
    const broken = await runs.runNow('Send Initech package', 'PERMISSION_DENIED');
    assert.equal(broken.sent, 1);
    const first = await remoteTree('customers/initech');
    const [firstManifest] = manifests(first);
    assert.ok(firstManifest, JSON.stringify(Object.keys(first)));
    assert.deepEqual(first, { 'Invoices/INV-INITECH-0042.pdf': sha256(invoice), [firstManifest]: first[firstManifest] });
    assert.equal(
      (await s.readFile(`customers/initech/${firstManifest}`)).toString(),
      await manifestFor([row(invoiceId, 'INV-INITECH-0042.pdf', 'Invoices/INV-INITECH-0042.pdf', invoice)]),
      'a delivery that broke off lists what it delivered',
    );

    await nextSecond(); // the next manifest's name has a later second
    await runs.runNow('Send Initech package');
    const second = await remoteTree('customers/initech');
    const both = manifests(second);
    assert.equal(both.length, 2, JSON.stringify(both));
    assert.deepEqual(
      second,
      {
        'Invoices/INV-INITECH-0042.pdf': sha256(invoice),
        'Contracts/2026/Master agreement.pdf': sha256(contract),
        [both[0]]: first[firstManifest],
        [both[1]]: second[both[1]],
      },
      'the rest of the workspace in its folder structure, the first manifest untouched',
    );
    assert.equal(
      (await s.readFile(`customers/initech/${both[1]}`)).toString(),
      await manifestFor([row(contractId, 'Master agreement.pdf', 'Contracts/2026/Master agreement.pdf', contract)]),
      'the next delivery carries on with the rest and lists only that',
    );
    assert.equal(String(runs.manifests[1].filebridge?.put.path), `customers/initech/${both[1]}`);

    const again = await runs.runNow('Send Initech package');
    assert.equal(again.sent, 0);
    assert.deepEqual(await remoteTree('customers/initech'), second, 'nothing new: no file and no manifest');

    await nextSecond();
    const invoiceV2 = randomBytes(4600);
    await seed('2461', 'INV-INITECH-0042.pdf', invoiceV2);
    await runs.runNow('Send Initech package');
    const third = await remoteTree('customers/initech');
    const all = manifests(third);
    assert.equal(all.length, 3, JSON.stringify(all));
    assert.equal(third['Invoices/INV-INITECH-0042.pdf'], sha256(invoiceV2), 'the new version replaced the older copy');
    assert.equal(third['Contracts/2026/Master agreement.pdf'], sha256(contract));
    assert.equal(
      (await s.readFile(`customers/initech/${all[2]}`)).toString(),
      await manifestFor([row(invoiceId, 'INV-INITECH-0042.pdf', 'Invoices/INV-INITECH-0042.pdf', invoiceV2, 2)]),
    );
    assert.equal(Object.keys(third).length, 5);
    assert.equal(runs.stored.length, 3, 'each file version delivered once');
    runs.assertManifestsLast();
  });
});
