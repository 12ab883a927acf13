import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import helper from 'node-red-node-test-helper';
import csConnectionNode from '../../../src/nodes/filebridge-cs-connection';
import csExportNode from '../../../src/nodes/filebridge-cs-export';
import serverNode from '../../../src/nodes/filebridge-server';
import remoteNode from '../../../src/nodes/filebridge-remote';
import { servers } from '../../support/dev-servers';
import { serverConfigNode } from '../../support/server-config-node';
import type { ExportSummary, ExportedFacts } from '../../../src/core/content-server';
import { simulatorAndNodeRed } from '../../support/simulator-flows';
import { NODE_RED_PACKAGE, coreNode, nodeRedPath } from '../../support/node-red-under-test';
import { loadFlow, onCall } from '../../support/flow-helper';

helper.init(nodeRedPath());

const NODES: unknown[] = [csConnectionNode, csExportNode, serverNode, remoteNode, coreNode('common/25-catch.js')];

type DocMsg = {
  payload: unknown;
  filename?: string;
  filebridge: { correlationId: string; cs: ExportedFacts; export: { runId: string; index: number; count: number } };
};
type ReportMsg = { payload: ExportSummary; topic?: string };
type CaughtMsg = { error?: { code?: string; message: string } };
interface Received {
  msg: DocMsg;
  sha256: string;
  size: number;
}
interface RunResult {
  docs: Received[];
  report: ReportMsg;
  caught?: CaughtMsg;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const bytes = (b: Buffer) => (): Readable => Readable.from([b]);
const nextSecond = (): Promise<void> => new Promise((r) => setTimeout(r, 1100));

/** The test helper loads flows but not context stores: this is what Node-RED's start does. */
function contextModule(): { load(): Promise<void> } {
  return (helper as unknown as { _context: { load(): Promise<void> } })._context;
}

/**
 * Node-RED's own localfilesystem store. The test helper's unload "cleans" every node context (no
 * node is left in its empty flow), which a real restart never does, so only that is switched off.
 */
function fileStore(config: Record<string, unknown>): unknown {
  const home = require.resolve(`${NODE_RED_PACKAGE}/package.json`).replace(/package\.json$/, '');
  const create = require(require.resolve('@node-red/runtime/lib/nodes/context/localfilesystem', { paths: [home] })) as (c: Record<string, unknown>) => {
    clean: () => Promise<void>;
  };
  const store = create(config);
  store.clean = () => Promise.resolve();
  return store;
}

/**
 * Reads every document payload as it arrives (to the end, like an upload node would) and hands
 * back a run's documents with its report, and the Catch node's message when the run failed.
 */
class RunCollector {
  private docs: Received[] = [];
  private caught: CaughtMsg[] = [];
  private reports: ReportMsg[] = [];
  private wake: (() => void) | undefined;
  /** Called with each document message before it is read; may leave it unread. */
  onDoc: ((msg: DocMsg) => 'leave-unread' | void) | undefined;

  constructor() {
    helper.getNode('out').on('input', (m: unknown) => {
      const msg = m as DocMsg;
      if (this.onDoc?.(msg) === 'leave-unread') return;
      const payload = msg.payload;
      if (Buffer.isBuffer(payload)) {
        this.docs.push({ msg, sha256: sha256(payload), size: payload.length });
        return;
      }
      const chunks: Buffer[] = [];
      const stream = payload as Readable;
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', () => undefined);
      stream.on('end', () => {
        const all = Buffer.concat(chunks);
        this.docs.push({ msg, sha256: sha256(all), size: all.length });
      });
    });
    helper.getNode('report').on('input', (m: unknown) => {
      this.reports.push(m as ReportMsg);
      this.wake?.();
    });
    helper.getNode('caught').on('input', (m: unknown) => {
      this.caught.push(m as CaughtMsg);
      this.wake?.();
    });
  }

  private async until(ready: () => boolean): Promise<void> {
    while (!ready()) await new Promise<void>((r) => (this.wake = r));
    this.wake = undefined;
  }

  /** Sends a trigger and waits for the run's report (and the Catch message when it failed). */
  async run(trigger: Record<string, unknown> = { payload: Date.now() }): Promise<RunResult> {
    helper.getNode('exp').receive(trigger);
    return this.nextRun();
  }

  async nextRun(): Promise<RunResult> {
    await this.until(() => this.reports.length > 0);
    const report = this.reports.shift() as ReportMsg;
    let caught: CaughtMsg | undefined;
    if (!report.payload.complete) {
      await this.until(() => this.caught.length > 0);
      caught = this.caught.shift();
    }
    const docs = this.docs.filter((d) => d.msg.filebridge.export.runId === report.payload.runId);
    this.docs = this.docs.filter((d) => d.msg.filebridge.export.runId !== report.payload.runId);
    return { docs, report, caught };
  }

  /** For inputs that end without a run (reset, bad input): the Catch message or nothing. */
  async caughtNext(): Promise<CaughtMsg> {
    await this.until(() => this.caught.length > 0);
    return this.caught.shift() as CaughtMsg;
  }
}

describe('filebridge-cs-export node in a Node-RED flow', function () {
  this.timeout(60_000);
  const { sim, client } = simulatorAndNodeRed();

  async function simSha(id: number): Promise<string> {
    const versions = (await (await fetch(`${sim.url}/__sim/versions/${id}`)).json()) as { sha256: string }[];
    return versions[versions.length - 1].sha256;
  }

  async function load(exp: Record<string, unknown>): Promise<RunCollector> {
    await loadFlow(
      NODES,
      [
        { id: 'tab', type: 'tab', label: 'test' },
        { id: 'conn', type: 'filebridge-cs-connection', baseUrl: sim.apiBase, authMode: 'password', username: 'Admin', timeout: 10, retries: 0 },
        {
          id: 'exp',
          z: 'tab',
          x: 100,
          y: 100,
          type: 'filebridge-cs-export',
          connection: 'conn',
          mode: 'changes',
          folder: '',
          folderType: 'str',
          recursive: false,
          onlyChanged: true,
          store: '',
          bufferLimit: '0',
          idleTimeout: '20',
          wires: [['out'], ['report']],
          ...exp,
        },
        { id: 'out', z: 'tab', x: 300, y: 100, type: 'helper' },
        { id: 'report', z: 'tab', x: 300, y: 150, type: 'helper' },
        { id: 'catch', z: 'tab', x: 100, y: 200, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', z: 'tab', x: 300, y: 200, type: 'helper' },
      ],
      { conn: { password: 'livelink' } },
    );
    await contextModule().load();
    return new RunCollector();
  }

  it('sends each matching document once with exact bytes and facts, then nothing, then a changed one again', async () => {
    const folder = 'Enterprise:NodeExport';
    const uploaded = new Map<string, number>();
    for (const name of ['one.pdf', 'two.pdf'])
      uploaded.set(name, (await client.upload({ target: folder, createFolders: true, name, open: bytes(randomBytes(3000)) })).id);
    const folderId = await client.resolveFolder(folder);
    const runs = await load({ folder, checksums: true });
    const statuses: string[] = [];
    onCall<{ text?: string }>('exp', 'status', (call) => statuses.push(String(call.args[0]?.text)));

    const first = await runs.run({ payload: 1, topic: 'nightly' });
    assert.equal(first.caught, undefined);
    assert.deepEqual(first.docs.map((d) => d.msg.filename).sort(), ['one.pdf', 'two.pdf']);
    for (const d of first.docs) {
      const cs = d.msg.filebridge.cs;
      assert.equal(cs.id, uploaded.get(d.msg.filename ?? ''));
      assert.equal(d.sha256, await simSha(cs.id));
      assert.equal(cs.size, 3000);
      assert.equal(cs.version, 1);
      assert.equal(cs.parentId, folderId);
      assert.equal(cs.path, '');
      assert.equal(cs.name, d.msg.filename);
      assert.match(String(cs.modifyDate), /^\d{4}-\d\d-\d\dT/);
      assert.equal(d.msg.filebridge.export.count, 2);
      assert.equal((d.msg as { topic?: unknown }).topic, 'nightly', "the trigger's topic, as the help says");
    }
    assert.deepEqual(first.docs.map((d) => d.msg.filebridge.export.index).sort(), [1, 2]);
    assert.equal(first.report.payload.sent, 2);
    for (const entry of first.report.payload.documents) assert.equal(entry.sha256, await simSha(entry.id), `report checksum of ${entry.name}`);
    assert.deepEqual(first.report.payload.documents.map((e) => e.id).sort(), [...uploaded.values()].sort());
    assert.equal(first.report.payload.complete, true);
    assert.equal(first.report.payload.folderId, folderId);
    assert.equal(first.report.topic, 'nightly');
    assert.ok(first.report.payload.mark?.since);
    assert.ok(statuses.includes('exporting 2/2'), statuses.join());
    assert.equal(statuses[statuses.length - 1], '2 sent');

    const second = await runs.run();
    assert.equal(second.docs.length, 0);
    assert.equal(second.report.payload.sent, 0);

    const data = randomBytes(1234);
    await client.upload({ target: folder, name: 'two.pdf', open: bytes(data), collision: 'add-version' });
    const third = await runs.run();
    assert.deepEqual(
      third.docs.map((d) => [d.msg.filename, d.msg.filebridge.cs.version, d.sha256]),
      [['two.pdf', 2, sha256(data)]],
    );
  });

  it('exports only documents with Invoice Status = Approved, recursively with folder paths', async () => {
    const base = 'Enterprise:NodeInvoices';
    const folderId = await client.resolveFolder(`${base}/2026/11`, { create: true });
    await client.applyCategory(folderId, { '9830_2': 'Default' });
    const approved = await client.upload({
      target: `${base}/2026/11`,
      name: 'inv-a.pdf',
      open: bytes(Buffer.from('A')),
      categories: { Invoice: { Status: 'Approved' } },
    });
    await client.upload({ target: `${base}/2026/11`, name: 'inv-d.pdf', open: bytes(Buffer.from('D')), categories: { Invoice: { Status: 'Draft' } } });
    const runs = await load({
      folder: base,
      recursive: true,
      filterCategory: 'Invoice',
      filterAttribute: 'Status',
      filterValue: 'Approved',
      includeCategories: true,
    });
    const got = await runs.run();
    assert.deepEqual(
      got.docs.map((d) => [d.msg.filebridge.cs.id, d.msg.filebridge.cs.path]),
      [[approved.id, '2026/11']],
    );
    assert.equal(got.docs[0].msg.filebridge.cs.categories?.Invoice?.Status, 'Approved');
  });

  it('one-document mode sends the id in msg.payload (latest) or msg.filebridge.export (a version); bad ids are coded', async () => {
    const v1 = randomBytes(500);
    const v2 = randomBytes(600);
    const doc = await client.upload({ target: 'Enterprise:NodeOne', createFolders: true, name: 'again.bin', open: bytes(v1) });
    await client.upload({ target: 'Enterprise:NodeOne', name: 'again.bin', open: bytes(v2), collision: 'add-version' });
    const runs = await load({ mode: 'document', bufferLimit: '1' });
    const latest = await runs.run({ payload: String(doc.id) });
    assert.equal(latest.docs.length, 1);
    assert.ok(Buffer.isBuffer(latest.docs[0].msg.payload), 'under the 1 KiB buffer limit');
    assert.equal(latest.docs[0].sha256, sha256(v2));
    assert.equal(latest.docs[0].msg.filebridge.cs.version, 2);
    const older = await runs.run({ payload: 'ignored', filebridge: { export: { id: doc.id, version: 1 } } });
    assert.equal(older.docs[0].sha256, sha256(v1));
    const missing = await runs.run({ payload: 99999 });
    assert.equal(missing.caught?.error?.code, 'NOT_FOUND');
    helper.getNode('exp').receive({ payload: 'again.bin' });
    const bad = await runs.caughtNext();
    assert.equal(bad.error?.code, 'INVALID_INPUT');
    assert.match(String(bad.error?.message), /node id/);
  });

  it('one-document mode finds a document by path, sends it only when it matches the filter, and keeps the request message', async () => {
    const body = randomBytes(700);
    // Names of categories resolve through the folder the document goes into.
    await client.applyCategory(await client.resolveFolder('Enterprise:NodeOneFilter', { create: true }), { '9830_2': 'Default' });
    const approved = await client.upload({
      target: 'Enterprise:NodeOneFilter',
      name: 'approved.pdf',
      open: bytes(body),
      categories: { Invoice: { Status: 'Approved' } },
    });
    const draft = await client.upload({
      target: 'Enterprise:NodeOneFilter',
      name: 'draft.pdf',
      open: bytes(randomBytes(10)),
      categories: { Invoice: { Status: 'Draft' } },
    });
    const runs = await load({ mode: 'document', filterCategory: 'Invoice', filterAttribute: 'Status', filterValue: 'Approved' });
    const byPath = await runs.run({ payload: 'Enterprise:NodeOneFilter/approved.pdf', requestId: 'r-1', filebridge: { ticket: 'T-7' } });
    assert.equal(byPath.docs.length, 1);
    assert.equal(byPath.docs[0].sha256, sha256(body));
    assert.equal(byPath.docs[0].msg.filebridge.cs.id, approved.id);
    const carried = byPath.docs[0].msg as unknown as { requestId?: string; filebridge: { ticket?: string } };
    assert.equal(carried.requestId, 'r-1', 'the request message travels with the document');
    assert.equal(carried.filebridge.ticket, 'T-7');

    const notApproved = await runs.run({ payload: draft.id });
    assert.equal(notApproved.docs.length, 0);
    assert.equal(notApproved.caught?.error?.code, 'NOT_FOUND');
    assert.match(String(notApproved.caught?.error?.message), /Invoice \/ Status = Approved/);
    const override = await runs.run({ payload: draft.id, filebridge: { export: { where: null } } });
    assert.equal(override.docs.length, 1, 'msg.filebridge.export.where = null lifts the filter');

    const noSuchName = await runs.run({ payload: 'Enterprise:NodeOneFilter/missing.pdf' });
    assert.equal(noSuchName.caught?.error?.code, 'NOT_FOUND');
    helper.getNode('exp').receive({ payload: 'Enterprise:NodeOneFilter/' });
    assert.equal((await runs.caughtNext()).error?.code, 'INVALID_INPUT');
  });

  it('a run broken by Content Server going down loses nothing: the next run sends exactly the rest', async () => {
    const folder = 'Enterprise:NodeBroken';
    const names = ['a.txt', 'b.txt', 'c.txt'];
    for (const name of names) await client.upload({ target: folder, createFolders: true, name, open: bytes(Buffer.from(name)) });
    const runs = await load({ folder });
    let seen = 0;
    runs.onDoc = () => {
      seen++;
      if (seen === 1) sim.setFaults({ failNext: 1000 });
    };
    const broken = await runs.run();
    sim.setFaults({ failNext: 0 });
    runs.onDoc = undefined;
    assert.equal(broken.caught?.error?.code, 'CONNECTION');
    assert.equal(broken.report.payload.complete, false);
    assert.equal(broken.report.payload.errors[0].code, 'CONNECTION');
    assert.equal(broken.docs.length, 1);
    const resumed = await runs.run();
    assert.equal(resumed.caught, undefined);
    assert.deepEqual([...broken.docs, ...resumed.docs].map((d) => d.msg.filename).sort(), names);
  });

  it('a payload nobody reads stops the run with TIMEOUT and is sent again next time', async () => {
    const folder = 'Enterprise:NodeUnread';
    await client.upload({ target: folder, createFolders: true, name: 'u.txt', open: bytes(Buffer.from('u')) });
    const runs = await load({ folder, idleTimeout: '0.3' });
    runs.onDoc = () => 'leave-unread';
    const stuck = await runs.run();
    assert.equal(stuck.caught?.error?.code, 'TIMEOUT');
    assert.equal(stuck.report.payload.sent, 0);
    runs.onDoc = undefined;
    const again = await runs.run();
    assert.deepEqual(
      again.docs.map((d) => d.msg.filename),
      ['u.txt'],
    );
  });

  describe("delivered when the flow confirms it (the put's output wired back)", () => {
    /** cs export -> SFTP put (with a done marker) -> back into cs export; a Catch scoped to the put -> cs export too. */
    async function loadConfirming(
      exp: Record<string, unknown>,
      dir: string,
      wireBack = true,
    ): Promise<{ run(): Promise<{ report: ExportSummary; error?: { code: string; message: string } }> }> {
      await loadFlow(
        NODES,
        [
          { id: 'tab', type: 'tab', label: 'test' },
          { id: 'conn', type: 'filebridge-cs-connection', baseUrl: sim.apiBase, authMode: 'password', username: 'Admin', timeout: 10, retries: 0 },
          serverConfigNode('sftp'),
          {
            id: 'exp',
            z: 'tab',
            x: 100,
            y: 100,
            type: 'filebridge-cs-export',
            connection: 'conn',
            mode: 'changes',
            folder: '',
            folderType: 'str',
            onlyChanged: true,
            store: '',
            bufferLimit: '0',
            idleTimeout: '20',
            deliveredWhen: 'confirmed',
            wires: [['put'], ['report']],
            ...exp,
          },
          {
            id: 'put',
            z: 'tab',
            x: 300,
            y: 100,
            type: 'filebridge-remote',
            server: 'srv',
            operation: 'put',
            path: `${dir}/`,
            pathType: 'str',
            conflict: 'overwrite',
            doneSuffix: '.done',
            wires: [wireBack ? ['exp'] : []],
          },
          { id: 'report', z: 'tab', x: 300, y: 150, type: 'helper' },
          { id: 'put-failed', z: 'tab', x: 100, y: 200, type: 'catch', scope: ['put'], uncaught: false, wires: [['exp']] },
        ],
        { conn: { password: 'livelink' }, srv: { password: servers().password } },
      );
      // (The test helper loads one Catch node per flow; the export's own failure is in its run report.)
      const reports: ExportSummary[] = [];
      let wake: (() => void) | undefined;
      helper.getNode('report').on('input', (m: unknown) => {
        reports.push((m as ReportMsg).payload);
        wake?.();
      });
      return {
        async run() {
          helper.getNode('exp').receive({ payload: Date.now() });
          while (reports.length === 0) await new Promise<void>((r) => (wake = r));
          const report = reports.shift() as ExportSummary;
          return { report, error: report.complete ? undefined : report.errors[report.errors.length - 1] };
        },
      };
    }

    it('a document the put failed to finish after reading it all is not delivered: the run stops there and the next one sends it again', async () => {
      const folder = 'Enterprise:NodeConfirm';
      const dir = 'exp-confirm';
      await servers().remove(dir);
      for (const name of ['a.pdf', 'b.pdf']) {
        await client.upload({ target: folder, createFolders: true, name, open: bytes(Buffer.from(`content of ${name}`)) });
        await nextSecond();
      }
      // The partner's done marker of a.pdf cannot be written: a folder of that name is in the way.
      await servers().mkdirp(`${dir}/a.pdf.done`);
      const runs = await loadConfirming({ folder }, dir);
      const broken = await runs.run();
      assert.equal(broken.error?.code, 'CONFLICT', broken.error?.message);
      assert.match(broken.error?.message ?? '', /failed to store 'a\.pdf'/);
      assert.equal(broken.report.sent, 0, 'a.pdf was read to the end, but the put failed: not delivered');
      assert.equal(broken.report.complete, false);
      assert.equal(await servers().exists(`${dir}/b.pdf`), false, 'the run stopped at a.pdf');

      await servers().remove(`${dir}/a.pdf.done`);
      const resumed = await runs.run();
      assert.equal(resumed.error, undefined, resumed.error?.message);
      assert.deepEqual(
        resumed.report.documents.map((d) => d.name),
        ['a.pdf', 'b.pdf'],
      );
      for (const name of ['a.pdf', 'b.pdf']) {
        assert.equal((await servers().readFile(`${dir}/${name}`)).toString(), `content of ${name}`);
        assert.equal(await servers().exists(`${dir}/${name}.done`), true);
      }
      assert.equal((await runs.run()).report.sent, 0, 'nothing is sent twice once confirmed');
    });

    it('without a confirmation wired back, the run stops with TIMEOUT after the unread timeout and the mark stays', async () => {
      const folder = 'Enterprise:NodeUnconfirmed';
      await client.upload({ target: folder, createFolders: true, name: 'c.pdf', open: bytes(Buffer.from('c')) });
      // The put's output is not wired back: nothing comes back.
      const runs = await loadConfirming({ folder, idleTimeout: '1' }, 'exp-unconfirmed', false);
      const silent = await runs.run();
      assert.equal(silent.error?.code, 'TIMEOUT');
      assert.match(silent.error?.message ?? '', /did not confirm 'c\.pdf'/);
      assert.equal(silent.report.sent, 0);
      assert.equal(await servers().exists('exp-unconfirmed/c.pdf'), true, 'the put itself worked');
    });
  });

  it('a mark store the runtime does not have shows in a yellow status, also after a run', async () => {
    const folder = 'Enterprise:NodeNoStore';
    await client.upload({ target: folder, createFolders: true, name: 's.txt', open: bytes(Buffer.from('s')) });
    const statuses: { fill?: string; text?: string }[] = [];
    const runs = await load({ folder, store: 'file' });
    onCall<{ fill?: string; text?: string }>('exp', 'status', (call) => statuses.push(call.args[0]));
    const done = await runs.run();
    assert.equal(done.report.payload.sent, 1);
    const last = statuses[statuses.length - 1];
    assert.equal(last.fill, 'yellow', JSON.stringify(statuses));
    assert.equal(last.text, 'no store "file": 1 sent');
  });

  it('queues a trigger that arrives during a run and drops an identical one already waiting, with a warning', async () => {
    const folder = 'Enterprise:NodeBusy';
    for (const name of ['1.txt', '2.txt']) await client.upload({ target: folder, createFolders: true, name, open: bytes(Buffer.from(name)) });
    const runs = await load({ folder });
    const warnings: string[] = [];
    onCall<unknown>('exp', 'warn', (call) => warnings.push(String(call.args[0])));
    const exp = helper.getNode('exp');
    exp.receive({ payload: 1 });
    exp.receive({ payload: 2 });
    exp.receive({ payload: 3 });
    const first = await runs.nextRun();
    const second = await runs.nextRun();
    assert.equal(first.docs.length, 2);
    assert.equal(second.docs.length, 0, 'the queued run starts after the first and finds nothing new');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /already waiting/);
  });

  it('takes the folder from msg (TypedInput); triggers for different folders all run, each with its own mark', async () => {
    await client.upload({ target: 'Enterprise:NodeFromMsgA', createFolders: true, name: 'a.txt', open: bytes(Buffer.from('a')) });
    await client.upload({ target: 'Enterprise:NodeFromMsgB', createFolders: true, name: 'b.txt', open: bytes(Buffer.from('b')) });
    await client.upload({ target: 'Enterprise:NodeFromMsgC', createFolders: true, name: 'c.txt', open: bytes(Buffer.from('c')) });
    const runs = await load({ folder: 'folder', folderType: 'msg' });
    const exp = helper.getNode('exp');
    exp.receive({ folder: 'Enterprise:NodeFromMsgA' });
    exp.receive({ folder: 'Enterprise:NodeFromMsgB' });
    exp.receive({ payload: 1, filebridge: { export: { folder: 'Enterprise:NodeFromMsgC' } } });
    const names = [];
    for (let i = 0; i < 3; i++) names.push(...(await runs.nextRun()).docs.map((d) => d.msg.filename));
    assert.deepEqual(names, ['a.txt', 'b.txt', 'c.txt']);
    assert.equal((await runs.run({ folder: 'Enterprise:NodeFromMsgA' })).docs.length, 0, 'A has its own mark');
  });

  it('a missing folder reaches the Catch node as NOT_FOUND with a failed report', async () => {
    const runs = await load({ folder: 'Enterprise:NoSuchFolder' });
    const got = await runs.run();
    assert.equal(got.caught?.error?.code, 'NOT_FOUND');
    assert.equal(got.report.payload.complete, false);
  });

  describe('with a localfilesystem context store', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'cs-export-context-'));
      helper.settings({ contextStorage: { default: { module: 'memory' }, file: { module: fileStore, config: { dir, cache: false } } } } as never);
    });
    after(() => {
      helper.settings({});
      rmSync(dir, { recursive: true, force: true });
    });

    function contextFiles(): string[] {
      const found: string[] = [];
      const walk = (d: string): void => {
        for (const f of readdirSync(d)) {
          const p = join(d, f);
          if (statSync(p).isDirectory()) walk(p);
          else found.push(p);
        }
      };
      if (existsSync(dir)) walk(dir);
      return found;
    }

    it('keeps the mark across a restart in the chosen store; msg.reset forgets it', async () => {
      const folder = 'Enterprise:NodeRestart';
      for (const name of ['r1.txt', 'r2.txt']) await client.upload({ target: folder, createFolders: true, name, open: bytes(Buffer.from(name)) });
      let runs = await load({ folder, store: 'file' });
      const before = await runs.run();
      assert.equal(before.docs.length, 2);
      const saved = contextFiles()
        .map((f) => readFileSync(f, 'utf8'))
        .join('\n');
      assert.match(saved, /filebridgeExportMarks/, 'the mark is in the file store');

      // Node-RED restarts: flows stop, the runtime and its context stores come up again from disk.
      await helper.unload();
      runs = await load({ folder, store: 'file' });
      const afterRestart = await runs.run();
      assert.equal(afterRestart.docs.length, 0);
      assert.deepEqual(afterRestart.report.payload.mark?.since, before.report.payload.mark?.since);

      await nextSecond();
      await client.upload({ target: folder, name: 'r3.txt', open: bytes(Buffer.from('r3')) });
      assert.deepEqual(
        (await runs.run()).docs.map((d) => d.msg.filename),
        ['r3.txt'],
      );

      helper.getNode('exp').receive({ reset: true });
      const all = await runs.run();
      assert.deepEqual(all.docs.map((d) => d.msg.filename).sort(), ['r1.txt', 'r2.txt', 'r3.txt']);
    });

    it('a redeploy during a run ends it at once; the document left unread is sent after the restart', async () => {
      const folder = 'Enterprise:NodeRedeploy';
      for (const name of ['d1.txt', 'd2.txt']) {
        await client.upload({ target: folder, createFolders: true, name, open: bytes(Buffer.from(name)) });
        await nextSecond();
      }
      let runs = await load({ folder, store: 'file', idleTimeout: '60' });
      let arrived: (() => void) | undefined;
      const secondArrived = new Promise<void>((r) => (arrived = r));
      runs.onDoc = (msg) => {
        if (msg.filename !== 'd2.txt') return;
        arrived?.();
        return 'leave-unread';
      };
      helper.getNode('exp').receive({ payload: 1 });
      await secondArrived;
      const started = Date.now();
      await helper.unload();
      assert.ok(Date.now() - started < 5000, 'stopping did not wait for the unread stream');
      runs = await load({ folder, store: 'file' });
      const next = await runs.run();
      assert.deepEqual(
        next.docs.map((d) => d.msg.filename),
        ['d2.txt'],
      );
    });

    it('the default (memory) store forgets the mark on restart', async () => {
      const folder = 'Enterprise:NodeMemory';
      await client.upload({ target: folder, createFolders: true, name: 'm.txt', open: bytes(Buffer.from('m')) });
      let runs = await load({ folder });
      assert.equal((await runs.run()).docs.length, 1);
      assert.equal((await runs.run()).docs.length, 0);
      await helper.unload();
      runs = await load({ folder });
      assert.equal((await runs.run()).docs.length, 1);
    });
  });
});
