import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import helper from 'node-red-node-test-helper';
import serverNode from '../../../src/nodes/filebridge-server';
import csConnectionNode from '../../../src/nodes/filebridge-cs-connection';
import watchNode from '../../../src/nodes/filebridge-watch';
import validateNode from '../../../src/nodes/filebridge-validate';
import mapNode from '../../../src/nodes/filebridge-map-metadata';
import csUploadNode from '../../../src/nodes/filebridge-cs-upload';
import ackNode from '../../../src/nodes/filebridge-ack';
import quarantineNode from '../../../src/nodes/filebridge-quarantine';
import { ContentServerClient } from '../../../src/core/content-server';
import { simulatorAndNodeRed } from '../../support/simulator-flows';
import { servers } from '../../support/dev-servers';
import { nodeRedPath } from '../../support/node-red-under-test';
import { Arrivals, loadFlow } from '../../support/flow-helper';
import { coreNodes, prepareExample, type PreparedExample } from '../../support/example-flows';

helper.init(nodeRedPath());

const NODES: unknown[] = [serverNode, csConnectionNode, watchNode, validateNode, mapNode, csUploadNode, ackNode, quarantineNode, ...coreNodes()];

type Msg = Record<string, unknown> & { payload?: unknown; filename?: string; filebridge?: Record<string, Record<string, unknown>> };
type TreeNode = { id: number; name: string; type: number; versions?: number; sha256?: string; children?: TreeNode[] };
type SimNode = {
  id: number;
  name: string;
  parent_id: number;
  description?: string;
  categories: Record<string, Record<string, unknown>>;
  versions: { version_number: number; sha256: string; file_size: number }[];
};
type Records = {
  classifications: Record<string, { class_id: number }[]>;
  permissions: Record<string, { type: string; right_id: number | null; permissions: string[] }[]>;
};
type Report = { file: string; error: { code?: string; message: string }; validation?: { rule: string }[]; failedNode?: { type: string; name?: string } };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const pdf = (text: string): Buffer => Buffer.from(`%PDF-1.7\n% ${text}\n%%EOF\n`);

async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 25_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const got = await check();
    if (got !== undefined && got !== false) return got;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Every file below a folder of the FTP home, as paths relative to it. */
async function filesBelow(rel: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const relPath = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(dir, e.name), relPath);
      else out.push(relPath);
    }
  };
  await walk(servers().localPath(rel), '');
  return out.sort();
}

/** Collects what reaches the example's debug nodes, by debug name. */
class Outcomes {
  readonly byDebug = new Map<string, Msg[]>();
  constructor(example: PreparedExample, debugNames: string[]) {
    const ids = new Map(debugNames.map((name) => [example.byName('debug', name).id, name]));
    for (const name of debugNames) this.byDebug.set(name, []);
    const arrivals = new Arrivals<Msg>([...ids.keys()]);
    void (async () => {
      for (;;) {
        const { id, msg } = await arrivals.next();
        this.byDebug.get(ids.get(id) as string)?.push(msg);
      }
    })();
  }

  of(name: string): Msg[] {
    return this.byDebug.get(name) ?? [];
  }

  /** Waits until the named debug has seen `count` messages. */
  async count(name: string, count: number, timeoutMs = 25_000): Promise<Msg[]> {
    return waitFor(
      `${count} message(s) at debug "${name}" (have ${this.of(name).length}: ${this.of(name)
        .map((m) => m.filename)
        .join(', ')})`,
      () => (this.of(name).length >= count ? this.of(name) : undefined),
      timeoutMs,
    );
  }
}

describe('FTP/FTPS -> Content Server ingestion examples (real FTPS server, CS simulator)', function () {
  this.timeout(60_000);
  const { sim } = simulatorAndNodeRed();
  beforeEach(() => servers().startAll());

  async function simNode(id: number): Promise<SimNode> {
    const res = await fetch(`${sim.url}/__sim/nodes/${id}`);
    assert.equal(res.status, 200, `node ${id} in the simulator`);
    return (await res.json()) as SimNode;
  }
  async function records(): Promise<Records> {
    return (await (await fetch(`${sim.url}/__sim/records`)).json()) as Records;
  }
  /** The item at a path below the Enterprise Workspace (2000), e.g. `Partners/ACME/Invoices/2026/x.pdf`; names ignore case, as in CS. */
  async function itemAt(path: string): Promise<TreeNode | undefined> {
    let node = (await (await fetch(`${sim.url}/__sim/tree?root=2000`)).json()) as TreeNode;
    for (const part of path.split('/')) {
      const next = node.children?.find((c) => c.name.toLowerCase() === part.toLowerCase());
      if (!next) return undefined;
      node = next;
    }
    return node;
  }
  const waitForItem = (path: string, versions = 1): Promise<TreeNode> =>
    waitFor(`Enterprise:${path} (${versions} version(s)) in the simulator`, async () => {
      const item = await itemAt(path);
      return item && (item.versions ?? 0) >= versions ? item : undefined;
    });
  const reportsIn = async (rel: string): Promise<Report[]> =>
    Promise.all(
      (await filesBelow(rel))
        .filter((f) => f.endsWith('.error.json'))
        .map(async (f) => JSON.parse((await servers().readFile(`${rel}/${f}`)).toString()) as Report),
    );

  async function load(relPath: string, debugNames: string[]): Promise<{ example: PreparedExample; out: Outcomes }> {
    const example = prepareExample(relPath, { csApiBase: sim.apiBase });
    await loadFlow(NODES, example.flow, example.credentials);
    return { example, out: new Outcomes(example, debugNames) };
  }

  it('ftp-cs-01: partner invoices and contracts are filed with categories, classification and permissions; bad files are quarantined', async () => {
    const s = servers();
    const inbox = 'ftp-cs-01/inbox';
    await s.remove('ftp-cs-01');
    await s.mkdirp(inbox);
    await s.writeFile(`${inbox}/INV_ACME_2026-11-02_0042.pdf`, pdf('invoice 42'));
    await s.writeFile(`${inbox}/CON_GLOBEX_2026-10-15_C-7.pdf`, pdf('contract C-7'));
    await s.writeFile(`${inbox}/invoice final.pdf`, pdf('wrong name'));
    await s.writeFile(`${inbox}/INV_ACME_2026-11-03_0043.pdf`, 'PK\u0003\u0004 a Word file renamed to .pdf');
    const { out } = await load('ftp-cs-01 Partner drop to governed folder.json', ['filed', 'quarantined']);

    const filed = await out.count('filed', 2);
    const quarantined = await out.count('quarantined', 2);
    assert.deepEqual(filed.map((m) => m.filename).sort(), ['CON_GLOBEX_2026-10-15_C-7.pdf', 'INV_ACME_2026-11-02_0042.pdf']);
    assert.deepEqual(quarantined.map((m) => m.filename).sort(), ['INV_ACME_2026-11-03_0043.pdf', 'invoice final.pdf']);

    const r = await records();
    const rights = (id: number, member: number): string[] | undefined =>
      r.permissions[String(id)]?.find((p) => p.type === 'custom' && p.right_id === member)?.permissions;

    const invoice = await waitForItem('Partners/ACME/Invoices/2026/INV_ACME_2026-11-02_0042.pdf');
    const inv = await simNode(invoice.id);
    assert.equal(inv.versions[0].sha256, sha256(pdf('invoice 42')));
    assert.equal(inv.categories['9830']['9830_2'], 'ACME');
    assert.match(String(inv.categories['9830']['9830_4']), /^2026-11-02/);
    assert.equal(inv.categories['9830']['9830_5'], 'Draft');
    assert.deepEqual(
      r.classifications[String(invoice.id)].map((c) => c.class_id),
      [2502],
    );
    assert.deepEqual(rights(invoice.id, 2004), ['see', 'see_contents']);
    assert.deepEqual(rights(invoice.id, 2002), ['see', 'see_contents', 'modify']);

    const contract = await waitForItem('Partners/GLOBEX/Contracts/CON_GLOBEX_2026-10-15_C-7.pdf');
    const con = await simNode(contract.id);
    assert.equal(con.categories['9840']['9840_2'], 'C-7');
    assert.deepEqual(con.categories['9840']['9840_3'], ['GLOBEX']);
    assert.match(String(con.categories['9840']['9840_4']), /^2026-10-15/);
    assert.deepEqual(
      r.classifications[String(contract.id)].map((c) => c.class_id),
      [2503],
    );
    assert.deepEqual(rights(contract.id, 2004), ['see', 'see_contents']);
    assert.deepEqual(rights(contract.id, 2003), ['see', 'see_contents', 'modify']);

    const left = await filesBelow(inbox);
    const archived = left.filter((f) => f.startsWith('.filebridge/archive/')).map((f) => f.split('/').pop());
    assert.deepEqual(archived.sort(), ['CON_GLOBEX_2026-10-15_C-7.pdf', 'INV_ACME_2026-11-02_0042.pdf']);
    assert.deepEqual(
      left.filter((f) => !f.startsWith('.filebridge/')),
      [],
      'nothing left in the inbox',
    );
    const reports = await reportsIn(`${inbox}/.filebridge/failed`);
    const byFile = new Map(reports.map((rep) => [rep.file, rep]));
    assert.deepEqual(
      byFile.get('invoice final.pdf')?.validation?.map((e) => e.rule),
      ['name'],
    );
    assert.deepEqual(
      byFile.get('INV_ACME_2026-11-03_0043.pdf')?.validation?.map((e) => e.rule),
      ['magic'],
    );
    assert.equal(left.filter((f) => f.startsWith('.filebridge/failed/') && !f.endsWith('.error.json')).length, 2, 'both files beside their reports');
  });

  it('ftp-cs-03: a bulk drop with a folder tree is filed in the same tree, enriched and classified from the manifest', async () => {
    const s = servers();
    const staging = 'ftp-cs-03/staging';
    await s.remove('ftp-cs-03');
    await s.writeFile(
      `${staging}/manifest.csv`,
      [
        'path,title,vendor,invoice_date,amount,contract_number,parties,start_date,classification',
        'Finance/2019/inv-0042.pdf,Invoice 0042 ACME 2019,ACME,2019-03-31,"1250,50",,,,Finance/Invoices',
        'Legal/Contracts/globex-msa.pdf,Master agreement Globex,,,,C-2017-001,"Globex;Initech",2017-01-01,Finance/Contracts',
        'index.pdf,Migration index,,,,,,,Finance',
        '',
      ].join('\n'),
    );
    await s.writeFile(`${staging}/Finance/2019/inv-0042.pdf`, pdf('legacy invoice'));
    await s.writeFile(`${staging}/Legal/Contracts/globex-msa.pdf`, pdf('legacy contract'));
    await s.writeFile(`${staging}/index.pdf`, pdf('index'));
    await s.writeFile(`${staging}/Legal/unlisted.pdf`, pdf('not in the manifest'));
    const { out } = await load('ftp-cs-03 Migration staging with manifest.json', ['migrated', 'quarantined']);

    await out.count('migrated', 3);
    const [failed] = await out.count('quarantined', 1);
    assert.equal(failed.filename, 'unlisted.pdf');

    const base = 'Archive/Legacy migration';
    const r = await records();
    const invoice = await simNode((await waitForItem(`${base}/Finance/2019/Invoice 0042 ACME 2019`)).id);
    assert.equal(invoice.versions[0].sha256, sha256(pdf('legacy invoice')));
    // The example's description, then the delivery mark cs upload adds to every watched file it files.
    assert.equal(String(invoice.description).split('\n')[0], `Migrated from ${staging}/Finance/2019/inv-0042.pdf`);
    assert.match(String(invoice.description), /\nfilebridge delivery [0-9a-f]{32}( sha256 [0-9a-f]{64})?$/);
    assert.equal(invoice.categories['9830']['9830_2'], 'ACME');
    assert.equal(invoice.categories['9830']['9830_3'], 1250.5);
    assert.match(String(invoice.categories['9830']['9830_4']), /^2019-03-31/);
    assert.equal(invoice.categories['9840'], undefined, 'no contract category on an invoice');
    assert.deepEqual(
      r.classifications[String(invoice.id)].map((c) => c.class_id),
      [2502],
    );

    const contract = await simNode((await waitForItem(`${base}/Legal/Contracts/Master agreement Globex`)).id);
    assert.equal(contract.categories['9840']['9840_2'], 'C-2017-001');
    assert.deepEqual(contract.categories['9840']['9840_3'], ['Globex', 'Initech']);
    assert.equal(contract.categories['9830'], undefined, 'no invoice category on a contract');
    assert.deepEqual(
      r.classifications[String(contract.id)].map((c) => c.class_id),
      [2503],
    );

    const index = await waitForItem(`${base}/Migration index`);
    assert.deepEqual(
      r.classifications[String(index.id)].map((c) => c.class_id),
      [2501],
      'a file at the top goes to the target folder itself',
    );

    const left = await filesBelow(staging);
    assert.deepEqual(
      left.filter((f) => !f.startsWith('.filebridge/')),
      ['manifest.csv'],
      'only the manifest stays',
    );
    assert.deepEqual(
      left
        .filter((f) => f.startsWith('.filebridge/archive/'))
        .map((f) => f.split('/').slice(5).join('/'))
        .sort(),
      ['Finance/2019/inv-0042.pdf', 'Legal/Contracts/globex-msa.pdf', 'index.pdf'],
      'archived in their sub-folders',
    );
    const [report] = await reportsIn(`${staging}/.filebridge/failed/Legal`);
    assert.equal(report.error.code, 'MAPPING');
    assert.match(report.error.message, /no row with key "Legal\/unlisted\.pdf"/);

    // Operations add the missing row and put the file back: it is migrated.
    await s.writeFile(
      `${staging}/manifest.csv`,
      `${(await s.readFile(`${staging}/manifest.csv`)).toString()}Legal/unlisted.pdf,Found later,,,,,,,Finance/Contracts\n`,
    );
    await s.writeFile(`${staging}/Legal/unlisted.pdf`, pdf('not in the manifest'));
    await out.count('migrated', 4);
    const later = await waitForItem(`${base}/Legal/Found later`);
    assert.deepEqual(
      (await records()).classifications[String(later.id)].map((c) => c.class_id),
      [2503],
    );
  });

  it('ftp-cs-05: a media file is streamed into its campaign folder; a re-delivery becomes version 2', async () => {
    const s = servers();
    const inbox = 'ftp-cs-05/inbox';
    await s.remove('ftp-cs-05');
    await s.mkdirp(inbox);
    const name = 'SPRING26_launch-teaser_hero-cut.mp4';
    const first = randomBytes(6 * 1024 * 1024);
    await s.writeFile(`${inbox}/${name}`, first);
    const { out } = await load('ftp-cs-05 Large media into campaign folders.json', ['stored', 'quarantined']);

    const [stored] = await out.count('stored', 1);
    assert.equal(stored.filebridge?.cs.action, 'created');
    const path = `Marketing/Campaigns/SPRING26/launch-teaser/${name}`;
    const item = await waitForItem(path);
    const doc = await simNode(item.id);
    assert.deepEqual(
      doc.versions.map((v) => [v.version_number, v.file_size, v.sha256]),
      [[1, first.length, sha256(first)]],
    );
    await waitFor('the delivered file deleted', async () => !(await s.exists(`${inbox}/${name}`)) || undefined);
    assert.deepEqual(await filesBelow(inbox), [], 'nothing left: no claim, no archive copy');

    const second = randomBytes(5 * 1024 * 1024);
    await s.writeFile(`${inbox}/${name}`, second);
    const [, again] = await out.count('stored', 2);
    assert.equal(again.filebridge?.cs.action, 'versioned');
    assert.equal(again.filebridge?.cs.version, 2);
    const after = await simNode((await waitForItem(path, 2)).id);
    assert.equal(after.id, doc.id, 'the same document');
    assert.deepEqual(
      after.versions.map((v) => [v.version_number, v.sha256]),
      [
        [1, sha256(first)],
        [2, sha256(second)],
      ],
    );
    assert.equal(out.of('quarantined').length, 0);
  });

  it('ftp-cs-08: bad name, bad format, missing metadata and a CS refusal land in the exception folder with reports; corrected files are processed again', async () => {
    const s = servers();
    const base = 'ftp-cs-08';
    const inbox = `${base}/inbox`;
    const exceptions = `${inbox}/exceptions`;
    await s.remove(base);
    await s.writeFile(`${base}/config/vendors.csv`, 'code,name\nACME,ACME Corporation\n');
    // Invoice 0001 was filed before through another channel: Content Server refuses a second one.
    const client = new ContentServerClient({ baseUrl: sim.apiBase, auth: { kind: 'password', username: 'Admin', password: 'livelink' } });
    await client.upload({
      target: 'Enterprise:Inbound/Invoices/2026',
      createFolders: true,
      name: 'INV_ACME_20261102_0001.pdf',
      open: () => Readable.from([pdf('filed by mail')]),
    });
    await client.close();

    await s.writeFile(`${inbox}/invoice ACME 0005.pdf`, pdf('invoice 5'));
    await s.writeFile(`${inbox}/INV_ACME_20261102_0002.pdf`, '<html>an error page saved as pdf</html>');
    await s.writeFile(`${inbox}/INV_NEWCO_20261102_0003.pdf`, pdf('invoice 3 from a new vendor'));
    await s.writeFile(`${inbox}/INV_ACME_20261102_0001.pdf`, pdf('invoice 1 again'));
    await s.writeFile(`${inbox}/INV_ACME_20261102_0004.pdf`, pdf('invoice 4'));
    const { out } = await load('ftp-cs-08 Exception folder and re-submission.json', ['filed', 'exception notice']);

    await out.count('filed', 1);
    const notices = await out.count('exception notice', 4);
    assert.ok(
      notices.every((m) => typeof m.payload === 'string' && (m.payload as string).includes(' was quarantined ')),
      'one-line notices',
    );
    const good = await simNode((await waitForItem('Inbound/Invoices/2026/INV_ACME_20261102_0004.pdf')).id);
    assert.equal(good.categories['9830']['9830_2'], 'ACME Corporation');
    assert.deepEqual(
      (await records()).classifications[String(good.id)].map((c) => c.class_id),
      [2502],
    );

    const reports = new Map((await reportsIn(exceptions)).map((rep) => [rep.file, rep]));
    assert.deepEqual([...reports.keys()].sort(), [
      'INV_ACME_20261102_0001.pdf',
      'INV_ACME_20261102_0002.pdf',
      'INV_NEWCO_20261102_0003.pdf',
      'invoice ACME 0005.pdf',
    ]);
    assert.deepEqual(
      reports.get('invoice ACME 0005.pdf')?.validation?.map((e) => e.rule),
      ['name'],
      'bad name',
    );
    assert.deepEqual(
      reports.get('INV_ACME_20261102_0002.pdf')?.validation?.map((e) => e.rule),
      ['magic'],
      'bad format',
    );
    assert.equal(reports.get('INV_NEWCO_20261102_0003.pdf')?.error.code, 'MAPPING', 'missing metadata');
    assert.match(reports.get('INV_NEWCO_20261102_0003.pdf')?.error.message ?? '', /NEWCO/);
    assert.equal(reports.get('INV_ACME_20261102_0001.pdf')?.error.code, 'CONFLICT', 'Content Server refuses a second invoice 0001');
    assert.equal(reports.get('INV_ACME_20261102_0001.pdf')?.failedNode?.name, 'File invoice');
    const parked = (await filesBelow(exceptions)).filter((f) => !f.endsWith('.error.json'));
    assert.deepEqual(parked.map((f) => f.replace(/^\d{8}T\d{6}-\d{3}Z_/, '')).sort(), [...reports.keys()].sort(), 'each file beside its report');
    const kept = (await filesBelow(inbox)).filter((f) => !f.startsWith('.filebridge/') && !f.startsWith('exceptions/'));
    assert.deepEqual(kept, [], 'nothing left in the inbox');
    const stillOne = await simNode((await waitForItem('Inbound/Invoices/2026/INV_ACME_20261102_0001.pdf')).id);
    assert.deepEqual(
      stillOne.versions.map((v) => v.sha256),
      [sha256(pdf('filed by mail'))],
      'the refused file changed nothing in CS',
    );

    // Operations fix the vendor master and the bad name, and put both files back into the inbox.
    await s.writeFile(`${base}/config/vendors.csv`, 'code,name\nACME,ACME Corporation\nNEWCO,NewCo Ltd\n');
    const parkedNamed = (name: string): string => `${exceptions}/${parked.find((f) => f.endsWith(`_${name}`))}`;
    await s.writeFile(`${inbox}/INV_NEWCO_20261102_0003.pdf`, await s.readFile(parkedNamed('INV_NEWCO_20261102_0003.pdf')));
    await s.writeFile(`${inbox}/INV_ACME_20261102_0005.pdf`, await s.readFile(parkedNamed('invoice ACME 0005.pdf')));
    await out.count('filed', 3);
    const newco = await simNode((await waitForItem('Inbound/Invoices/2026/INV_NEWCO_20261102_0003.pdf')).id);
    assert.equal(newco.categories['9830']['9830_2'], 'NewCo Ltd');
    const renamed = await simNode((await waitForItem('Inbound/Invoices/2026/INV_ACME_20261102_0005.pdf')).id);
    assert.equal(renamed.versions[0].sha256, sha256(pdf('invoice 5')));
    assert.equal(out.of('exception notice').length, 4, 'no new exceptions');
  });
});
