import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { appendFile, readdir, readFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import serverNode from '../../../src/nodes/filebridge-server';
import watchNode from '../../../src/nodes/filebridge-watch';
import ackNode from '../../../src/nodes/filebridge-ack';
import quarantineNode from '../../../src/nodes/filebridge-quarantine';
import type { Protocol } from '../../../src/core/remote/types';
import { servers } from '../../support/dev-servers';
import { coreNode, nodeRedPath } from '../../support/node-red-under-test';
import { Arrivals, loadFlow, onCall } from '../../support/flow-helper';
import { pipelineSink, sinkControl } from '../../support/pipeline-sink';
import { reopenerFor } from '../../../src/nodes/source-reopen';
import type { NodeAPI } from 'node-red';

helper.init(nodeRedPath());

const NODES: unknown[] = [serverNode, watchNode, ackNode, quarantineNode, pipelineSink, coreNode('common/25-catch.js')];

type Msg = Record<string, unknown> & {
  payload?: unknown;
  filename?: string;
  error?: { code?: string; message: string };
  filebridge?: {
    correlationId?: string;
    source?: Record<string, unknown> & { relativePath: string; name: string; sha256?: string; attempt: number };
    audit?: Record<string, unknown> & { sourceNowAt?: string; sha256?: string; outcome: string; bytes: number };
    quarantine?: { path: string; reportPath: string; report: Record<string, unknown> };
  };
};

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Every file below a local folder, as paths relative to it. */
async function localFiles(rel: string): Promise<string[]> {
  const root = servers().localPath(rel);
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
  await walk(root, '');
  return out.sort();
}

interface FlowOptions {
  watch?: Record<string, unknown>;
  ack?: Record<string, unknown>;
  quarantine?: Record<string, unknown>;
  server?: Record<string, unknown>;
  /** Suffix for every id, so two flows (two tabs, two server configs) can run side by side. */
  suffix?: string;
  /** The test helper loads a core node's module once per node of that type: only one Catch per load. */
  noCatch?: boolean;
}

/** watch -> test-sink -> ack -> acked, and Catch(sink, ack) -> quarantine -> quarantined. */
function pipeline(protocol: Protocol, folder: string, o: FlowOptions = {}): Record<string, unknown>[] {
  const s = servers();
  const srv = protocol === 'sftp' ? s.sftp : protocol === 'ftps-implicit' ? s.ftpsImplicit : s.ftp;
  const x = o.suffix ?? '';
  const nodes: Record<string, unknown>[] = [
    { id: `tab${x}`, type: 'tab', label: `test${x}` },
    {
      id: `srv${x}`, type: 'filebridge-server', protocol, host: srv.host, port: srv.port, username: s.username,
      hostKey: protocol === 'sftp' ? s.sftp.hostKeyFingerprints.ed25519 : '',
      tlsCa: protocol.startsWith('ftps') ? s.certs.ca.cert.pem : '',
      connectTimeout: 10, idleTimeout: 20, keepalive: 5, poolSize: 4, connectRetries: 1, ...o.server,
    },
    {
      id: `watch${x}`, z: `tab${x}`, x: 100, y: 100, type: 'filebridge-watch', server: `srv${x}`, folder,
      intervalSeconds: 0.25, stability: 'stable', stableSeconds: 0.8, output: 'stream', sha256: true, ledger: true,
      maxInFlight: 20, maxPerPoll: 100, wires: [[`sink${x}`]], ...o.watch,
    },
    { id: `sink${x}`, z: `tab${x}`, x: 300, y: 100, type: 'test-sink', wires: [[`ack${x}`]] },
    { id: `ack${x}`, z: `tab${x}`, x: 500, y: 100, type: 'filebridge-ack', action: 'archive', archiveTemplate: '', wires: [[`acked${x}`]], ...o.ack },
    { id: `acked${x}`, z: `tab${x}`, x: 700, y: 100, type: 'helper' },
    { id: `catch${x}`, z: `tab${x}`, x: 100, y: 200, type: 'catch', scope: [`sink${x}`, `ack${x}`], uncaught: false, wires: [[`quarantine${x}`]] },
    { id: `quarantine${x}`, z: `tab${x}`, x: 300, y: 200, type: 'filebridge-quarantine', folder: '', wires: [[`quarantined${x}`]], ...o.quarantine },
    { id: `quarantined${x}`, z: `tab${x}`, x: 500, y: 200, type: 'helper' },
  ];
  return o.noCatch ? nodes.filter((n) => n.type !== 'catch') : nodes;
}

/** Collects everything that reaches the acked and quarantined helpers of the given suffixes. */
class Outcomes {
  readonly acked: Msg[] = [];
  readonly quarantined: Msg[] = [];
  constructor(suffixes: string[] = ['']) {
    const ids = suffixes.flatMap((x) => [`acked${x}`, `quarantined${x}`]);
    const arrivals = new Arrivals<Msg>(ids);
    void (async () => {
      for (;;) {
        const { id, msg } = await arrivals.next();
        (id.startsWith('acked') ? this.acked : this.quarantined).push(msg);
      }
    })();
  }
}

async function load(flow: Record<string, unknown>[], suffixes: string[] = ['']): Promise<Outcomes> {
  const creds: Record<string, Record<string, string>> = {};
  for (const x of suffixes) creds[`srv${x}`] = { password: servers().password };
  await loadFlow(NODES, flow, creds);
  return new Outcomes(suffixes);
}

/** Writes a file in pieces with pauses, as a slow partner upload does. */
async function writeSlowly(rel: string, data: Buffer, pieces: number, pauseMs: number): Promise<void> {
  const size = Math.ceil(data.length / pieces);
  await servers().writeFile(rel, data.subarray(0, size));
  for (let i = 1; i < pieces; i++) {
    await sleep(pauseMs);
    await appendFile(servers().localPath(rel), data.subarray(i * size, (i + 1) * size));
  }
}

function countBy<T>(items: T[], key: (t: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return m;
}

describe('filebridge-watch, ack and quarantine in Node-RED flows', function () {
  this.timeout(90_000);
  beforeEach(async () => {
    sinkControl.reset();
    await helper.startServer();
  });
  afterEach(async () => {
    sinkControl.releaseHeld();
    await helper.unload();
    await helper.stopServer();
  });

  for (const protocol of ['sftp', 'ftp'] as Protocol[]) {
    describe(protocol, () => {
      let n = 0;
      let dir = '';
      beforeEach(async () => {
        await servers().startAll();
        dir = `watch-${protocol}-${++n}`;
        await servers().remove(dir);
        await servers().mkdirp(`${dir}/inbox`);
      });

      it('a file written slowly is emitted only once complete, with its SHA-256 computed on the way', async () => {
        const slow = randomBytes(200_000);
        const quick = randomBytes(5_000);
        await servers().writeFile(`${dir}/inbox/quick.bin`, quick);
        const out = await load(pipeline(protocol, `${dir}/inbox`));
        await writeSlowly(`${dir}/inbox/slow.bin`, slow, 10, 250);
        await waitFor('both files acked', () => out.acked.length === 2);
        const bySink = new Map(sinkControl.records.map((r) => [r.name, r]));
        assert.equal(sinkControl.records.length, 2);
        assert.equal(bySink.get('slow.bin')?.sha256, sha(slow));
        assert.equal(bySink.get('slow.bin')?.bytes, slow.length);
        assert.equal(bySink.get('quick.bin')?.sha256, sha(quick));
        const audit = out.acked.find((m) => m.filename === 'slow.bin')?.filebridge?.audit;
        assert.equal(audit?.sha256, sha(slow));
        assert.equal(audit?.outcome, 'acked');
        assert.equal(audit?.bytes, slow.length);
        assert.deepEqual(await localFiles(`${dir}/inbox`).then((f) => f.filter((p) => !p.startsWith('.filebridge/archive/'))), []);
      });

      it('500 files dropped while the watch runs, some written slowly: each reaches the sink once and whole', async () => {
        const contents = new Map<string, Buffer>();
        for (let i = 0; i < 500; i++) contents.set(`sub${i % 3}/f${String(i).padStart(3, '0')}.dat`, randomBytes(1_000 + (i * 37) % 20_000));
        const out = await load(pipeline(protocol, `${dir}/inbox`, { watch: { recursive: true, maxInFlight: 25 } }));
        const started = Date.now();
        const slowWrites: Promise<void>[] = [];
        let i = 0;
        for (const [rel, data] of contents) {
          if (i % 25 === 7) slowWrites.push(writeSlowly(`${dir}/inbox/${rel}`, data, 6, 200));
          else await servers().writeFile(`${dir}/inbox/${rel}`, data);
          if (++i % 50 === 0) await sleep(100);
        }
        await Promise.all(slowWrites);
        await waitFor('500 files acked', () => out.acked.length >= 500, 50_000);
        await sleep(1000);
        assert.equal(out.acked.length, 500, 'acked once each');
        assert.equal(out.quarantined.length, 0);
        const perFile = countBy(sinkControl.records, (r) => r.relativePath);
        assert.equal(perFile.size, 500);
        assert.ok([...perFile.values()].every((c) => c === 1), 'no file reached the sink twice');
        for (const r of sinkControl.records) assert.equal(r.sha256, sha(contents.get(r.relativePath)!), `${r.relativePath} arrived whole`);
        const archived = await localFiles(`${dir}/inbox/.filebridge/archive`);
        assert.equal(archived.length, 500);
        const leftovers = (await localFiles(`${dir}/inbox`)).filter((p) => !p.startsWith('.filebridge/archive/'));
        assert.deepEqual(leftovers, []);
        console.log(`      (${protocol}: 500 files in ${Date.now() - started} ms)`);
      });

      it('two watch nodes with their own connections on one folder never emit a file twice', async () => {
        const contents = new Map<string, Buffer>();
        for (let i = 0; i < 200; i++) contents.set(`t${String(i).padStart(3, '0')}.dat`, randomBytes(500 + i));
        const flows = [...pipeline(protocol, `${dir}/inbox`, { suffix: 'A' }), ...pipeline(protocol, `${dir}/inbox`, { suffix: 'B', noCatch: true })];
        const out = await load(flows, ['A', 'B']);
        const warnings: unknown[] = [];
        for (const id of ['watchA', 'watchB']) onCall<unknown>(id, 'warn', (call) => warnings.push(call.args[0]));
        for (const [name, data] of contents) await servers().writeFile(`${dir}/inbox/${name}`, data);
        await waitFor('200 files acked', () => out.acked.length >= 200, 45_000);
        await sleep(1000);
        assert.equal(out.acked.length, 200);
        const perFile = countBy(sinkControl.records, (r) => r.name);
        assert.equal(perFile.size, 200);
        assert.ok([...perFile.values()].every((c) => c === 1), 'no file emitted twice');
        for (const r of sinkControl.records) assert.equal(r.sha256, sha(contents.get(r.name)!));
        const bySink = countBy(sinkControl.records, (r) => r.sink);
        assert.deepEqual(warnings, []);
        console.log(`      (${protocol}: watch A took ${bySink.get('sinkA') ?? 0}, watch B ${bySink.get('sinkB') ?? 0})`);
        assert.equal((await localFiles(`${dir}/inbox/.filebridge/archive`)).length, 200);
      });

      it('a redeploy in the middle: files left claimed are recovered after the lease, none lost, none twice', async () => {
        const contents = new Map<string, Buffer>();
        for (let i = 0; i < 60; i++) contents.set(`r${String(i).padStart(2, '0')}.dat`, randomBytes(2_000 + i));
        for (const [name, data] of contents) await servers().writeFile(`${dir}/inbox/${name}`, data);
        sinkControl.delayMs = 100;
        const flow = pipeline(protocol, `${dir}/inbox`, { watch: { maxInFlight: 5, leaseSeconds: 1.5 } });
        let out = await load(flow);
        await waitFor('some files acked', () => out.acked.length >= 15);
        // Stop with files claimed and in the sink, as a crash or redeploy would.
        await helper.unload();
        const claimed = (await localFiles(`${dir}/inbox/.filebridge/processing`)).length;
        assert.ok(claimed > 0, 'files were claimed when the flow stopped');
        out = await load(flow);
        await waitFor('every file archived', async () => (await localFiles(`${dir}/inbox/.filebridge/archive`)).length >= 60, 45_000);
        await sleep(1500);
        const archived = await localFiles(`${dir}/inbox/.filebridge/archive`);
        // The default template files by UTC date: yyyy/MM/dd/<relative path>.
        assert.deepEqual(archived.map((p) => p.replace(/^\d{4}\/\d{2}\/\d{2}\//, '')), [...contents.keys()].sort(), 'each file archived exactly once (a second copy would be r01_1.dat)');
        for (const p of archived) assert.deepEqual(await readFile(servers().localPath(`${dir}/inbox/.filebridge/archive/${p}`)), contents.get(p.slice(11)));
        assert.deepEqual(await localFiles(`${dir}/inbox/.filebridge/processing`), []);
        assert.ok(sinkControl.records.some((r) => r.attempt === 2), 'recovered files come back as attempt 2');
        assert.equal(out.quarantined.length, 0);
      });

      it('quarantine: the file moves to .filebridge/failed with an error report, is not taken again, and a corrected copy is', async () => {
        const bad = Buffer.from('not an invoice');
        await servers().writeFile(`${dir}/inbox/sub/bad.pdf`, bad);
        sinkControl.failPattern = /^bad/;
        const out = await load(pipeline(protocol, `${dir}/inbox`, { watch: { recursive: true } }));
        await waitFor('quarantine notification', () => out.quarantined.length === 1);
        const note = out.quarantined[0];
        const q = note.filebridge!.quarantine!;
        assert.match(q.path, new RegExp(`^${dir}/inbox/\\.filebridge/failed/sub/\\d{8}T\\d{6}-\\d{3}Z_bad\\.pdf$`));
        assert.equal(q.reportPath, `${q.path}.error.json`);
        assert.match(String(note.payload), /bad\.pdf was quarantined .*CS_REJECTED The sink refused bad\.pdf/);
        assert.deepEqual(await readFile(servers().localPath(q.path)), bad);
        const report = JSON.parse((await readFile(servers().localPath(q.reportPath))).toString()) as Record<string, any>;
        assert.equal(report.file, 'bad.pdf');
        assert.equal(report.originalPath, `${dir}/inbox/sub/bad.pdf`);
        assert.deepEqual(report.error, { message: 'The sink refused bad.pdf', code: 'CS_REJECTED' });
        assert.equal(report.failedNode.id, 'sink');
        assert.equal(report.failedNode.type, 'test-sink');
        assert.equal(report.attempt, 1);
        assert.equal(report.source.size, bad.length);
        assert.equal(report.source.relativePath, 'sub/bad.pdf');
        assert.equal(report.fileMoved, true);
        assert.ok(Math.abs(Date.parse(report.time) - Date.now()) < 30_000);
        assert.equal(note.filebridge!.audit!.outcome, 'quarantined');

        await sleep(1500);
        assert.equal(sinkControl.records.length, 1, 'a quarantined file is not picked up by itself');
        assert.deepEqual(await localFiles(`${dir}/inbox/sub`), []);

        // The partner corrects the file and puts it back.
        sinkControl.failPattern = undefined;
        const fixed = Buffer.from('%PDF-1.7 a real invoice');
        await servers().writeFile(`${dir}/inbox/sub/bad.pdf`, fixed);
        await waitFor('the corrected file acked', () => out.acked.length === 1);
        assert.equal(sinkControl.records[1].sha256, sha(fixed));
        assert.equal(out.quarantined.length, 1);
      });

      it('a stream a failing node left half read is closed when the file is quarantined, so its connection is free again', async () => {
        await servers().writeFile(`${dir}/inbox/a-abandoned.bin`, randomBytes(8 * 1024 * 1024));
        await servers().writeFile(`${dir}/inbox/b.bin`, 'next');
        sinkControl.abandonPattern = /abandoned/;
        // One connection: had the abandoned stream kept it, nothing else could ever be listed or read.
        const out = await load(pipeline(protocol, `${dir}/inbox`, { server: { poolSize: 1 }, watch: { maxInFlight: 1 } }));
        await waitFor('quarantined and the next file acked', () => out.quarantined.length === 1 && out.acked.length === 1, 20_000);
        assert.equal(out.quarantined[0].filename, 'a-abandoned.bin');
        assert.equal(out.acked[0].filename, 'b.bin');
      });

      it('max in flight: the next file waits until one is acked', async () => {
        for (let i = 0; i < 8; i++) await servers().writeFile(`${dir}/inbox/m${i}.txt`, `file ${i}`);
        sinkControl.hold = true;
        const out = await load(pipeline(protocol, `${dir}/inbox`, { watch: { maxInFlight: 3 } }));
        await waitFor('three files in the sink', () => sinkControl.records.length === 3);
        await sleep(1500);
        assert.equal(sinkControl.records.length, 3, 'no fourth file while three are unacknowledged');
        sinkControl.releaseHeld(1);
        await waitFor('the first ack', () => out.acked.length === 1);
        await waitFor('a fourth file', () => sinkControl.records.length === 4);
        await sleep(800);
        assert.equal(sinkControl.records.length, 4);
        sinkControl.hold = false;
        sinkControl.releaseHeld();
        await waitFor('all acked', () => out.acked.length === 8);
        // Emitted in name order (the sink finishes reading the first three in any order).
        assert.deepEqual(sinkControl.records.slice(0, 3).map((r) => r.name).sort(), ['m0.txt', 'm1.txt', 'm2.txt']);
        assert.equal(sinkControl.records[3].name, 'm3.txt');
        assert.equal(new Set(sinkControl.records.map((r) => r.name)).size, 8);
      });

      it('reopenerFor opens the claimed file again from the start, as an upload retry needs', async () => {
        const data = randomBytes(300_000);
        await servers().writeFile(`${dir}/inbox/retry.bin`, data);
        sinkControl.hold = true;
        const seen: Msg[] = [];
        await load(pipeline(protocol, `${dir}/inbox`));
        helper.getNode('sink').on('input', (msg: Msg) => seen.push(msg));
        await waitFor('the file in the sink', () => sinkControl.records.length === 1);
        const red = { nodes: { getNode: (id: string) => helper.getNode(id) } } as unknown as NodeAPI;
        const source = seen[0].filebridge!.source;
        assert.equal(reopenerFor(red, { name: 'x' }), undefined, 'no usable source');
        const reopen = reopenerFor(red, source)!;
        for (let i = 0; i < 2; i++) {
          const chunks: Buffer[] = [];
          for await (const c of reopen()) chunks.push(c as Buffer);
          assert.equal(sha(Buffer.concat(chunks)), sha(data));
        }
        assert.equal(reopenerFor(red, { ...source, server: 'gone' }), undefined, 'server not deployed');
      });

      it('in-flight timeout frees the slot and lease recovery re-emits the file as attempt 2', async () => {
        await servers().writeFile(`${dir}/inbox/stuck.txt`, 'stuck');
        sinkControl.hold = true;
        await load(pipeline(protocol, `${dir}/inbox`, { watch: { maxInFlight: 1, inFlightTimeoutSeconds: 0.5, leaseSeconds: 1.5 } }));
        await waitFor('the file re-emitted', () => sinkControl.records.length === 2, 20_000);
        assert.deepEqual(sinkControl.records.map((r) => r.attempt), [1, 2]);
        assert.notEqual(sinkControl.records[0].correlationId, sinkControl.records[1].correlationId);
      });

      it('a file whose lease keeps running out is given up after max attempts, into .filebridge/failed with a report', async () => {
        await servers().writeFile(`${dir}/inbox/poison.txt`, 'poison');
        sinkControl.hold = true;
        await load(pipeline(protocol, `${dir}/inbox`, { watch: { maxInFlight: 1, inFlightTimeoutSeconds: 0.4, leaseSeconds: 0.8, maxAttempts: 2 } }));
        await waitFor('a report in the failed folder', async () => (await localFiles(`${dir}/inbox/.filebridge/failed`)).some((f) => f.endsWith('.error.json')), 20_000);
        const failed = await localFiles(`${dir}/inbox/.filebridge/failed`);
        assert.equal(failed.length, 2);
        assert.match(failed[0], /^\d{8}T\d{6}-\d{3}Z_poison\.txt$/);
        const report = JSON.parse((await readFile(servers().localPath(`${dir}/inbox/.filebridge/failed/${failed[1]}`))).toString()) as Record<string, any>;
        assert.equal(report.attempt, 2);
        assert.equal(report.error.code, 'TIMEOUT');
        assert.match(report.error.message, /Given up after 2 deliveries/);
        assert.deepEqual(sinkControl.records.map((r) => r.attempt), [1, 2]);
        assert.deepEqual(await localFiles(`${dir}/inbox/.filebridge/processing`), []);
        await sleep(1000);
        assert.equal(sinkControl.records.length, 2, 'not sent again');
      });

      it('archive with a date/time template', async () => {
        await servers().writeFile(`${dir}/inbox/INV_1.pdf`, 'invoice');
        const out = await load(pipeline(protocol, `${dir}/inbox`, { ack: { archiveTemplate: 'archive/{yyyy}/{MM}/{dd}/{base}_{HH}{mm}{ss}.{ext}' } }));
        await waitFor('acked', () => out.acked.length === 1);
        const at = out.acked[0].filebridge!.audit!.sourceNowAt!;
        assert.ok(at, 'audit names the archive path');
        const d = new Date();
        const p = (v: number): string => String(v).padStart(2, '0');
        assert.match(at, new RegExp(`^${dir}/inbox/archive/${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/INV_1_\\d{6}\\.pdf$`));
        assert.deepEqual(await readFile(servers().localPath(at)), Buffer.from('invoice'));
      });

      it('leave in place: the ledger stops re-emission until the file changes', async () => {
        await servers().writeFile(`${dir}/inbox/keep.csv`, 'a,b\n1,2\n');
        const out = await load(pipeline(protocol, `${dir}/inbox`, { ack: { action: 'leave' } }));
        await waitFor('acked', () => out.acked.length === 1);
        assert.equal(out.acked[0].filebridge!.audit!.sourceNowAt, `${dir}/inbox/keep.csv`);
        assert.deepEqual(await readFile(servers().localPath(`${dir}/inbox/keep.csv`)), Buffer.from('a,b\n1,2\n'));
        await sleep(2000);
        assert.equal(sinkControl.records.length, 1, 'left in place and not emitted again');
        const changed = Buffer.from('a,b\n1,2\n3,4\n');
        await servers().writeFile(`${dir}/inbox/keep.csv`, changed);
        // A distinct mtime even within the same second (FTP lists minutes; the watch asks MDTM for seconds).
        const earlier = new Date(Date.now() - 90_000);
        await utimes(servers().localPath(`${dir}/inbox/keep.csv`), earlier, earlier);
        await waitFor('the changed file emitted', () => out.acked.length === 2);
        assert.equal(sinkControl.records[1].sha256, sha(changed));
      });

      it('marker files release their data file and are removed with it', async () => {
        await servers().writeFile(`${dir}/inbox/data.csv`, 'x,y\n');
        const out = await load(pipeline(protocol, `${dir}/inbox`, { watch: { stability: 'marker', markerPattern: '{name}.done' } }));
        await sleep(1200);
        assert.equal(sinkControl.records.length, 0, 'no marker, no emission');
        await servers().writeFile(`${dir}/inbox/data.csv.done`, '');
        await waitFor('acked', () => out.acked.length === 1);
        assert.equal(sinkControl.records.length, 1);
        assert.equal(sinkControl.records[0].name, 'data.csv');
        assert.deepEqual((await localFiles(`${dir}/inbox`)).filter((p) => !p.startsWith('.filebridge/archive/')), []);
      });

      it('a message without msg.filebridge.source fails at ack with INVALID_INPUT', async () => {
        await load(pipeline(protocol, `${dir}/inbox`));
        const errors: unknown[] = [];
        onCall<unknown>('ack', 'error', (call) => errors.push(call.args[0]));
        helper.getNode('ack').receive({ payload: 'x' } as never);
        await waitFor('an error', () => errors.length > 0, 5_000);
        assert.match(String((errors[0] as Error).message), /msg\.filebridge\.source is missing/);
        assert.equal((errors[0] as { code?: string }).code, 'INVALID_INPUT');
      });
    });
  }
});
