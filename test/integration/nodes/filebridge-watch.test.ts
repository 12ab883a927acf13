import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { appendFile, chmod, mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import type { QuarantineReport } from '../../../src/core/pipeline/quarantine-report';
import type { Protocol } from '../../../src/core/remote/types';
import { startNodeRed, type RunningNodeRed } from '../../../dev/sandbox/node-red-process';
import { contextStoresLoader } from '../../support/context-store';
import { servers } from '../../support/dev-servers';
import { nodeRedPath } from '../../support/node-red-under-test';
import { onCall, startTestServer, stopTestServer } from '../../support/flow-helper';
import { sinkControl } from '../../support/pipeline-sink';
import { REPO_ROOT, runtimes } from '../../support/runtimes';
import { serverConfigNode } from '../../support/server-config-node';
import { load, localFiles, pipeline, sha, sleep, waitFor, type Msg } from '../../support/watch-pipeline';
import { reopenerFor } from '../../../src/nodes/kit/claimed-file';
import type { NodeAPI } from 'node-red';

helper.init(nodeRedPath());

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
    await startTestServer();
  });
  afterEach(async () => {
    sinkControl.releaseHeld();
    await helper.unload();
    await stopTestServer();
  });

  describe('a ledger store the runtime does not have', () => {
    afterEach(() => helper.settings({ contextStorage: undefined }));

    async function statusesWith(contextStorage: unknown): Promise<{ fill?: string; text?: string }[]> {
      helper.settings({ contextStorage: contextStorage as never });
      await servers().mkdirp('watch-store/inbox');
      const flow = pipeline('sftp', 'watch-store/inbox', { watch: { ledgerStore: 'file', intervalSeconds: 0.2 } });
      const statuses: { fill?: string; text?: string }[] = [];
      await load(flow);
      onCall<{ fill?: string; text?: string }>('watch', 'status', (call) => statuses.push(call.args[0]));
      await waitFor('a few polls', () => statuses.length >= 3);
      return statuses;
    }

    it('shows a yellow status naming it (Node-RED would only log a line and use its default store)', async () => {
      const statuses = await statusesWith(undefined);
      const last = statuses[statuses.length - 1];
      assert.equal(last.fill, 'yellow', JSON.stringify(statuses));
      assert.match(last.text ?? '', /no store "file"/);
    });

    it('shows the usual status once settings.js defines that store', async () => {
      const statuses = await statusesWith({ default: { module: 'memory' }, file: { module: 'memory' } });
      assert.ok(
        statuses.every((st) => st.fill !== 'yellow'),
        JSON.stringify(statuses),
      );
    });
  });

  /**
   * `contextStorage` with a store "broken" (a context store module of Node-RED's store API) whose
   * chosen operations fail, as a store whose file or server is gone does.
   */
  function brokenStorage(fails: { set?: boolean; keys?: boolean }): unknown {
    const down = new Error('store down');
    const brokenStore = (): unknown => ({
      open: () => Promise.resolve(),
      close: () => Promise.resolve(),
      get: (_scope: string, _key: string, cb: (err: Error | null, value?: unknown) => void) => cb(null, undefined),
      set: (_scope: string, _key: string, _value: unknown, cb: (err: Error | null) => void) => cb(fails.set ? down : null),
      keys: (_scope: string, cb: (err: Error | null, keys?: string[]) => void) => (fails.keys ? cb(down) : cb(null, [])),
      delete: () => Promise.resolve(),
      clean: () => Promise.resolve(),
    });
    return { default: { module: 'memory' }, broken: { module: brokenStore } };
  }

  it('ack "leave" whose ledger entry cannot be written fails with CONNECTION naming the store (not INVALID_INPUT: the file was fine)', async () => {
    helper.settings({ contextStorage: brokenStorage({ set: true }) as never });
    try {
      await servers().mkdirp('watch-store-fail/inbox');
      await servers().writeFile('watch-store-fail/inbox/a.txt', 'a');
      await load(pipeline('sftp', 'watch-store-fail/inbox', { watch: { ledgerStore: 'broken' }, ack: { action: 'leave' } }), [''], [contextStoresLoader()]);
      const errors: { code?: string; message: string; details?: Record<string, unknown> }[] = [];
      onCall<{ code?: string; message: string }>('ack', 'error', (call) => errors.push(call.args[0]));
      await waitFor('an ack error', () => errors.length > 0, 15_000);
      assert.equal(errors[0].code, 'CONNECTION', errors[0].message);
      assert.match(errors[0].message, /written to the ledger store "broken".*store down/);
      assert.equal(errors[0].details?.store, 'broken');
    } finally {
      helper.settings({ contextStorage: undefined });
    }
  });

  describe('msg.reset', () => {
    async function errorsOf(msg: Record<string, unknown>): Promise<{ code?: string; message: string; details?: Record<string, unknown> }[]> {
      const errors: { code?: string; message: string; details?: Record<string, unknown> }[] = [];
      onCall<{ code?: string; message: string }>('watch', 'error', (call) => errors.push(call.args[0]));
      helper.getNode('watch').receive(msg as never);
      await waitFor('an error', () => errors.length > 0, 5_000);
      return errors;
    }

    it('any value but "failed" (a typo, cs export\'s true) fails with INVALID_INPUT naming the accepted value', async () => {
      await servers().mkdirp('watch-reset/inbox');
      await load(pipeline('sftp', 'watch-reset/inbox'));
      for (const reset of ['fail', true]) {
        const [error] = await errorsOf({ reset });
        assert.equal(error.code, 'INVALID_INPUT', error.message);
        assert.match(error.message, /msg\.reset is .*accepts only "failed"/);
        assert.match(error.message, reset === true ? /boolean true/ : /"fail"/);
      }
    });

    it('"failed" with a ledger store that cannot be read fails with a coded error naming the store, not a bare Error', async () => {
      helper.settings({ contextStorage: brokenStorage({ keys: true }) as never });
      try {
        await servers().mkdirp('watch-reset/inbox');
        await load(pipeline('sftp', 'watch-reset/inbox', { watch: { ledgerStore: 'broken' } }), [''], [contextStoresLoader()]);
        const [error] = await errorsOf({ reset: 'failed' });
        assert.equal(error.code, 'CONNECTION', error.message);
        assert.match(error.message, /ledger store "broken".*store down/);
        assert.equal(error.details?.store, 'broken');
      } finally {
        helper.settings({ contextStorage: undefined });
      }
    });
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
        for (let i = 0; i < 500; i++) contents.set(`sub${i % 3}/f${String(i).padStart(3, '0')}.dat`, randomBytes(1_000 + ((i * 37) % 20_000)));
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
        assert.ok(
          [...perFile.values()].every((c) => c === 1),
          'no file reached the sink twice',
        );
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
        assert.ok(
          [...perFile.values()].every((c) => c === 1),
          'no file emitted twice',
        );
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
        assert.deepEqual(
          archived.map((p) => p.replace(/^\d{4}\/\d{2}\/\d{2}\//, '')),
          [...contents.keys()].sort(),
          'each file archived exactly once (a second copy would be r01_1.dat)',
        );
        for (const p of archived) assert.deepEqual(await readFile(servers().localPath(`${dir}/inbox/.filebridge/archive/${p}`)), contents.get(p.slice(11)));
        assert.deepEqual(await localFiles(`${dir}/inbox/.filebridge/processing`), []);
        assert.ok(
          sinkControl.records.some((r) => r.attempt === 2),
          'recovered files come back as attempt 2',
        );
        assert.equal(out.quarantined.length, 0);
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
        assert.deepEqual(
          sinkControl.records
            .slice(0, 3)
            .map((r) => r.name)
            .sort(),
          ['m0.txt', 'm1.txt', 'm2.txt'],
        );
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
        assert.deepEqual(
          sinkControl.records.map((r) => r.attempt),
          [1, 2],
        );
        assert.notEqual(sinkControl.records[0].correlationId, sinkControl.records[1].correlationId);
      });

      it('a file whose lease keeps running out is given up after max attempts, into .filebridge/failed with a report', async () => {
        await servers().writeFile(`${dir}/inbox/poison.txt`, 'poison');
        sinkControl.hold = true;
        await load(pipeline(protocol, `${dir}/inbox`, { watch: { maxInFlight: 1, inFlightTimeoutSeconds: 0.4, leaseSeconds: 0.8, maxAttempts: 2 } }));
        await waitFor(
          'a report in the failed folder',
          async () => (await localFiles(`${dir}/inbox/.filebridge/failed`)).some((f) => f.endsWith('.error.json')),
          20_000,
        );
        const failed = await localFiles(`${dir}/inbox/.filebridge/failed`);
        assert.equal(failed.length, 2);
        assert.match(failed[0], /^\d{8}T\d{6}-\d{3}Z_poison\.txt$/);
        const report = JSON.parse((await readFile(servers().localPath(`${dir}/inbox/.filebridge/failed/${failed[1]}`))).toString()) as QuarantineReport;
        assert.equal(report.attempt, 2);
        assert.equal(report.error.code, 'TIMEOUT');
        assert.match(report.error.message, /Given up after 2 deliveries/);
        assert.deepEqual(
          sinkControl.records.map((r) => r.attempt),
          [1, 2],
        );
        assert.deepEqual(await localFiles(`${dir}/inbox/.filebridge/processing`), []);
        await sleep(1000);
        assert.equal(sinkControl.records.length, 2, 'not sent again');
      });

      it('a file the watch may not rename: a warning and a yellow status with its code, the other files flow on, then it is set aside in place', async () => {
        await servers().writeFile(`${dir}/inbox/a.txt`, 'a');
        await servers().writeFile(`${dir}/inbox/locked/m.txt`, 'm');
        await servers().writeFile(`${dir}/inbox/z.txt`, 'z');
        const locked = servers().localPath(`${dir}/inbox/locked`);
        await chmod(locked, 0o555);
        try {
          const out = await load(pipeline(protocol, `${dir}/inbox`, { watch: { recursive: true, maxAttempts: 2 } }));
          const warnings: string[] = [];
          const statuses: { fill?: string; text?: string }[] = [];
          onCall<string>('watch', 'warn', (call) => warnings.push(call.args[0]));
          onCall<{ fill?: string; text?: string }>('watch', 'status', (call) => statuses.push(call.args[0]));
          await waitFor('a.txt and z.txt acked', () => out.acked.length === 2);
          await waitFor('set aside', () => warnings.some((w) => w.includes('was set aside')));
          assert.deepEqual(out.acked.map((m) => m.filebridge!.source!.relativePath).sort(), ['a.txt', 'z.txt']);
          assert.match(warnings[0], /^PERMISSION_DENIED: Could not claim .*locked\/m\.txt: .*\(try 1 of 2, then it is set aside\)/);
          assert.ok(
            statuses.some((st) => st.fill === 'yellow' && /1 not claimed: PERMISSION_DENIED/.test(st.text ?? '')),
            JSON.stringify(statuses),
          );
          assert.ok(!statuses.some((st) => st.fill === 'red'), 'the watch itself did not fail');
          const aside = warnings.find((w) => w.includes('was set aside'))!;
          assert.match(aside, /left where it is .* Its report: .*\.filebridge\/failed\/locked\/\d{8}T\d{6}-\d{3}Z_m\.txt\.error\.json\./);
          const count = warnings.length;
          await sleep(1500);
          assert.equal(warnings.length, count, 'not tried again, nothing more to say');
          assert.ok(await servers().exists(`${dir}/inbox/locked/m.txt`));
        } finally {
          await chmod(locked, 0o755);
        }
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
        assert.deepEqual(
          (await localFiles(`${dir}/inbox`)).filter((p) => !p.startsWith('.filebridge/archive/')),
          [],
        );
      });

      it('take: inPlace with the ledger off is refused at deploy with INVALID_INPUT naming both fields; nothing is taken', async () => {
        await servers().writeFile(`${dir}/inbox/a.txt`, 'a');
        const statuses: { fill?: string; text?: string }[] = [];
        const errors: unknown[] = [];
        await load(pipeline(protocol, `${dir}/inbox`, { watch: { take: 'inPlace', ledger: false } }));
        // The refusal happens in the constructor: what it said is in the node's status and the log.
        onCall<{ fill?: string; text?: string }>('watch', 'status', (call) => statuses.push(call.args[0]));
        onCall<unknown>('watch', 'error', (call) => errors.push(call.args[0]));
        await sleep(1200);
        assert.equal(sinkControl.records.length, 0, 'nothing taken');
        assert.deepEqual(await localFiles(`${dir}/inbox`), ['a.txt'], 'nothing touched');
        const logged = helper
          .log()
          .args.map((a: unknown[]) => a[0] as { level?: number; msg?: unknown; id?: string })
          .filter((e) => e?.id === 'watch' && e.level === 20);
        const text = logged.map((e) => String(e.msg)).join('\n');
        assert.match(text, /Take files: leave in place/);
        assert.match(text, /remember processed files \(ledger\)/);
        assert.deepEqual(statuses, [{ fill: 'red', shape: 'ring', text: 'INVALID_INPUT' }], 'refused: it never polls');
      });

      it('take: inPlace in a flow: files stay untouched, each is acked once; a quarantined one stays with its report in the exception folder and comes again after msg.reset "failed"', async () => {
        await servers().writeFile(`${dir}/inbox/good.txt`, 'good');
        await servers().writeFile(`${dir}/inbox/bad.txt`, 'bad');
        await servers().mkdirp(`${dir}/inbox/.filebridge/failed`);
        const earlier = new Date(Date.now() - 60_000);
        for (const name of ['good.txt', 'bad.txt']) await utimes(servers().localPath(`${dir}/inbox/${name}`), earlier, earlier);
        await chmod(servers().localPath(`${dir}/inbox`), 0o555);
        try {
          sinkControl.failPattern = /^bad/;
          const out = await load(pipeline(protocol, `${dir}/inbox`, { watch: { take: 'inPlace' }, ack: { action: 'leave' } }));
          await waitFor('one acked, one quarantined', () => out.acked.length === 1 && out.quarantined.length === 1);
          const source = out.acked[0].filebridge?.source;
          assert.equal(source?.inPlace, true);
          assert.equal(source?.claimPath, source?.path);
          assert.equal(out.acked[0].filebridge?.audit?.disposal, 'left');
          const q = out.quarantined[0].filebridge?.quarantine;
          assert.equal(q?.path, `${dir}/inbox/bad.txt`);
          assert.equal(q?.report.leftInPlace, true);
          assert.equal(q?.report.fileMoved, false);
          assert.match(q?.reportPath ?? '', /\/\.filebridge\/failed\/[^/]+_bad\.txt\.error\.json$/);
          await sleep(1500);
          assert.equal(sinkControl.records.length, 2, 'neither is sent again while unchanged');
          const files = await localFiles(`${dir}/inbox`);
          assert.deepEqual(
            files.filter((f) => !f.startsWith('.filebridge/failed/')),
            ['bad.txt', 'good.txt'],
          );
          for (const name of ['good.txt', 'bad.txt']) {
            assert.equal((await readFile(servers().localPath(`${dir}/inbox/${name}`))).toString(), name.replace('.txt', ''));
          }
          sinkControl.failPattern = undefined;
          helper.getNode('watch').receive({ reset: 'failed' } as never);
          await waitFor('the quarantined file acked after the reset', () => out.acked.length === 2);
          assert.equal(out.acked[1].filename, 'bad.txt');
          await sleep(1000);
          assert.equal(sinkControl.records.length, 3, 'good.txt not again');
        } finally {
          await chmod(servers().localPath(`${dir}/inbox`), 0o755);
        }
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

/**
 * Two real Node-RED processes (4.1 on Node 20 and 5 on Node 22) watch one SFTP folder: every file
 * is archived by exactly one of them, into that runtime's own archive folder.
 */
describe('two Node-RED runtimes watching one folder [own runtimes]', function () {
  this.timeout(240_000);
  let work: string;
  const running: RunningNodeRed[] = [];

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'filebridge-two-runtimes-'));
  });
  after(async () => {
    await Promise.all(running.map((r) => r.stop()));
    await rm(work, { recursive: true, force: true });
  });

  it('no file is emitted twice; each runtime archives what it claimed', async () => {
    const dir = 'two-runtimes/inbox';
    await servers().remove('two-runtimes');
    await servers().mkdirp(dir);
    const s = servers();
    const all = await runtimes();
    for (const [i, runtime] of all.entries()) {
      const label = `R${i}`;
      const userDir = join(work, label);
      await mkdir(join(userDir, 'node_modules'), { recursive: true });
      await writeFile(join(userDir, 'package.json'), JSON.stringify({ name: `two-runtimes-${i}`, version: '1.0.0', private: true }));
      // Node-RED finds the palette by scanning node_modules: a link to the repository loads the built nodes.
      await symlink(REPO_ROOT, join(userDir, 'node_modules', 'node-red-contrib-ecm-filebridge'), 'dir');
      const nodeRed = await startNodeRed(runtime, userDir);
      running.push(nodeRed);
      const res = await fetch(`${nodeRed.url}/flows`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
        body: JSON.stringify([
          { id: 't1', type: 'tab', label: 'watch' },
          { ...serverConfigNode('sftp', { id: 's1', poolSize: 3 }), credentials: { password: s.password } },
          {
            id: 'w1',
            type: 'filebridge-watch',
            z: 't1',
            x: 100,
            y: 100,
            server: 's1',
            folder: dir,
            intervalSeconds: 0.2,
            stableSeconds: 0.5,
            maxInFlight: 20,
            wires: [['a1']],
          },
          { id: 'a1', type: 'filebridge-ack', z: 't1', x: 300, y: 100, action: 'archive', archiveTemplate: `.filebridge/archive/${label}/`, wires: [[]] },
        ]),
      });
      assert.ok(res.status === 200 || res.status === 204, `deploy to ${runtime.label}: ${res.status} ${await res.text()}`);
    }
    const contents = new Map<string, Buffer>();
    for (let i = 0; i < 300; i++) contents.set(`d${String(i).padStart(3, '0')}.bin`, randomBytes(1000 + i));
    let written = 0;
    for (const [name, data] of contents) {
      await s.writeFile(`${dir}/${name}`, data);
      if (++written % 60 === 0) await sleep(150);
    }
    const deadline = Date.now() + 90_000;
    while ((await localFiles(`${dir}/.filebridge/archive`)).length < 300) {
      if (Date.now() > deadline)
        throw new Error(
          `Only ${(await localFiles(`${dir}/.filebridge/archive`)).length} of 300 archived.\n${running.map((r) => r.output().slice(-3000)).join('\n----\n')}`,
        );
      await sleep(200);
    }
    await sleep(1500);
    const archived = await localFiles(`${dir}/.filebridge/archive`);
    assert.equal(archived.length, 300, 'no second copy (a duplicate would be archived as name_1.bin)');
    const byRuntime = new Map<string, string[]>();
    for (const p of archived) {
      const [label, name] = p.split('/');
      byRuntime.set(label, [...(byRuntime.get(label) ?? []), name]);
      assert.deepEqual(await readFile(servers().localPath(`${dir}/.filebridge/archive/${p}`)), contents.get(name));
    }
    assert.deepEqual([...new Set(archived.map((p) => p.split('/')[1]))].sort(), [...contents.keys()].sort());
    console.log(`      (${[...byRuntime].map(([l, n]) => `${l}: ${n.length}`).join(', ')})`);
    assert.deepEqual(await localFiles(`${dir}/.filebridge/processing`), []);
    for (const r of running) assert.doesNotMatch(r.output(), /\[error\]/, r.output().slice(-3000));
  });
});

/** A user directory whose node_modules links to this repository, so Node-RED loads the built nodes. */
async function userDirWithPalette(work: string, label: string): Promise<string> {
  const userDir = join(work, label);
  await mkdir(join(userDir, 'node_modules'), { recursive: true });
  await writeFile(join(userDir, 'package.json'), JSON.stringify({ name: `filebridge-${label}`, version: '1.0.0', private: true }));
  await symlink(REPO_ROOT, join(userDir, 'node_modules', 'node-red-contrib-ecm-filebridge'), 'dir');
  return userDir;
}

async function deploy(nodeRed: RunningNodeRed, flow: Record<string, unknown>[]): Promise<void> {
  const res = await fetch(`${nodeRed.url}/flows`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
    body: JSON.stringify(flow),
  });
  assert.ok(res.status === 200 || res.status === 204, `deploy: ${res.status} ${await res.text()}`);
}

/** watch -> function (the flow's work, given as code) -> ack archiving into `.filebridge/archive/<label>/`. */
function watchFlow(
  folder: string,
  label: string,
  watch: Record<string, unknown>,
  work: string,
  server: Record<string, unknown> = {},
): Record<string, unknown>[] {
  return [
    { id: 't1', type: 'tab', label: 'watch' },
    { ...serverConfigNode('sftp', { id: 's1', poolSize: 3, ...server }), credentials: { password: servers().password } },
    { id: 'w1', type: 'filebridge-watch', z: 't1', x: 100, y: 100, server: 's1', folder, intervalSeconds: 0.2, stableSeconds: 0.3, wires: [['f1']], ...watch },
    { id: 'f1', type: 'function', z: 't1', x: 300, y: 100, func: work, outputs: 1, wires: [['a1']] },
    { id: 'a1', type: 'filebridge-ack', z: 't1', x: 500, y: 100, action: 'archive', archiveTemplate: `.filebridge/archive/${label}/`, wires: [[]] },
  ];
}

/**
 * Real Node-RED processes, as users run them: a runtime killed with SIGKILL while files are in its
 * flow takes them back at once when it starts again; a runtime reading a file for longer than the
 * lease keeps it (the lease is renewed), so another runtime on the folder does not take it.
 */
describe('claims across a crash and a slow transfer, in real Node-RED processes [own runtimes]', function () {
  this.timeout(240_000);
  let work: string;
  const running: RunningNodeRed[] = [];

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'filebridge-claims-'));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.stop()));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('after a kill -9 with files in flight, the restarted runtime delivers them within seconds, not after the lease', async () => {
    const dir = 'restart/inbox';
    await servers().remove('restart');
    await servers().mkdirp(dir);
    const [runtime] = await runtimes();
    const userDir = await userDirWithPalette(work, 'restart');
    let nodeRed = await startNodeRed(runtime, userDir);
    running.push(nodeRed);
    // The first delivery of each file stays in the flow (a long job); a later one goes on to ack.
    const hold = `if (msg.filebridge.source.attempt === 1) { node.status({ text: 'working on ' + msg.filename }); return null; }\nreturn msg;`;
    await deploy(nodeRed, watchFlow(dir, 'R', { leaseSeconds: 120, maxInFlight: 10 }, hold));
    const contents = new Map<string, Buffer>();
    for (let i = 0; i < 5; i++) contents.set(`k${i}.bin`, randomBytes(10_000 + i));
    for (const [name, data] of contents) await servers().writeFile(`${dir}/${name}`, data);
    // Claims only (a lease marker would appear beside them after a fifth of the lease).
    const claims = async (): Promise<string[]> => (await localFiles(`${dir}/.filebridge/processing`)).filter((f) => f.includes('~'));
    await waitFor('five files claimed', async () => (await claims()).length === 5, 30_000);
    const id = (await readFile(join(userDir, '.filebridge', 'runtime-id'), 'utf8')).trim();
    assert.match(id, /^[0-9a-f]{8}$/);
    for (const claim of await claims()) assert.match(claim, new RegExp(`^\\d+-[0-9a-f]{8}-1-${id}~k\\d\\.bin$`));

    await nodeRed.kill();
    running.splice(running.indexOf(nodeRed), 1);
    nodeRed = await startNodeRed(runtime, userDir);
    running.push(nodeRed);
    const restarted = Date.now();
    await waitFor('five files archived', async () => (await localFiles(`${dir}/.filebridge/archive`)).length >= 5, 60_000);
    const took = Date.now() - restarted;
    console.log(`      (delivered ${took} ms after the restart; lease 120 s)`);
    assert.ok(took < 15_000, `took ${took} ms`);
    await sleep(1000);
    const archived = await localFiles(`${dir}/.filebridge/archive`);
    assert.deepEqual(archived, [...contents.keys()].map((n) => `R/${n}`).sort());
    for (const [name, data] of contents) assert.deepEqual(await readFile(servers().localPath(`${dir}/.filebridge/archive/R/${name}`)), data);
    assert.deepEqual(await localFiles(`${dir}/.filebridge/processing`), []);
    assert.doesNotMatch(nodeRed.output(), /\[error\]|\[warn\] \[filebridge-/, nodeRed.output().slice(-3000));
  });

  it('a transfer running for several leases is not taken by another runtime: its lease is renewed', async () => {
    const dir = 'renewal/inbox';
    await servers().remove('renewal');
    await servers().mkdirp(dir);
    const [first, second] = await runtimes();
    const r1 = await startNodeRed(first, await userDirWithPalette(work, 'R1'));
    running.push(r1);
    const r2 = await startNodeRed(second, await userDirWithPalette(work, 'R2'));
    running.push(r2);
    // Reads the stream at about 300 kB/s: 2.4 MB take 8 s, four 2-second leases.
    const slowRead = `let bytes = 0;
for await (const chunk of msg.payload) { bytes += chunk.length; await new Promise((r) => setTimeout(r, chunk.length / 300)); }
msg.bytes = bytes;
return msg;`;
    // A pool of one: the stream holds the only pooled session, so renewals need the reserve connection.
    await deploy(r1, watchFlow(dir, 'R1', { leaseSeconds: 2 }, slowRead, { poolSize: 1 }));
    const data = randomBytes(2_400_000);
    await servers().writeFile(`${dir}/big.bin`, data);
    await waitFor('R1 claimed the file', async () => (await localFiles(`${dir}/.filebridge/processing`)).length > 0, 30_000);
    const claimed = Date.now();
    await deploy(r2, watchFlow(dir, 'R2', { leaseSeconds: 2 }, 'return msg;'));
    await waitFor('the file archived', async () => (await localFiles(`${dir}/.filebridge/archive`)).length > 0, 60_000);
    const took = Date.now() - claimed;
    console.log(`      (archived ${took} ms after the claim, lease 2 s)`);
    await sleep(3000);
    assert.deepEqual(await localFiles(`${dir}/.filebridge/archive`), ['R1/big.bin'], 'archived once, by the runtime that read it');
    assert.ok(took > 6_000, `the transfer took only ${took} ms: too short to prove renewal`);
    assert.deepEqual(await readFile(servers().localPath(`${dir}/.filebridge/archive/R1/big.bin`)), data);
    assert.deepEqual(await localFiles(`${dir}/.filebridge/processing`), [], 'no claim, no lease marker left');
    for (const r of [r1, r2]) assert.doesNotMatch(r.output(), /\[error\]|\[warn\] \[filebridge-/, r.output().slice(-3000));
  });
});
