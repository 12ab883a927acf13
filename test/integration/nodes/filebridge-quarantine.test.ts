import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import helper from 'node-red-node-test-helper';
import { startTestServer, stopTestServer } from '../../support/flow-helper';
import type { QuarantineReport } from '../../../src/core/pipeline/quarantine-report';
import type { Protocol } from '../../../src/core/remote/types';
import { servers } from '../../support/dev-servers';
import { nodeRedPath } from '../../support/node-red-under-test';
import { sinkControl } from '../../support/pipeline-sink';
import { load, localFiles, pipeline, sha, sleep, waitFor } from '../../support/watch-pipeline';

helper.init(nodeRedPath());

describe('filebridge-quarantine in Node-RED flows', function () {
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

  for (const protocol of ['sftp', 'ftp'] as Protocol[]) {
    describe(protocol, () => {
      let n = 0;
      let dir = '';
      beforeEach(async () => {
        await servers().startAll();
        dir = `quarantine-${protocol}-${++n}`;
        await servers().remove(dir);
        await servers().mkdirp(`${dir}/inbox`);
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
        const report = JSON.parse((await readFile(servers().localPath(q.reportPath))).toString()) as QuarantineReport;
        assert.equal(report.file, 'bad.pdf');
        assert.equal(report.originalPath, `${dir}/inbox/sub/bad.pdf`);
        assert.deepEqual(report.error, { message: 'The sink refused bad.pdf', code: 'CS_REJECTED' });
        assert.equal(report.failedNode?.id, 'sink');
        assert.equal(report.failedNode?.type, 'test-sink');
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

      it('a connection failure sends the file again at the next poll (attempt + 1) instead of quarantining it', async () => {
        await servers().writeFile(`${dir}/inbox/flaky.pdf`, 'comes through on the third delivery');
        sinkControl.failPattern = /^flaky/;
        sinkControl.failCode = 'CONNECTION';
        sinkControl.failUntilAttempt = 2;
        // A lease of an hour: the deliveries after a failure cannot be lease recovery.
        const out = await load(pipeline(protocol, `${dir}/inbox`, { watch: { maxAttempts: 3, leaseSeconds: 3600 } }));
        await waitFor('flaky.pdf acked', () => out.acked.length === 1, 30_000);
        assert.deepEqual(
          sinkControl.records.map((r) => r.attempt),
          [1, 2, 3],
        );
        assert.equal(out.quarantined.length, 0);
        assert.deepEqual(await localFiles(`${dir}/inbox/.filebridge/processing`), [], 'nothing left claimed');
      });

      it('a file whose last attempt fails with a timeout is quarantined with that code', async () => {
        await servers().writeFile(`${dir}/inbox/down.pdf`, 'never comes through');
        sinkControl.failPattern = /^down/;
        sinkControl.failCode = 'TIMEOUT';
        const out = await load(pipeline(protocol, `${dir}/inbox`, { watch: { maxAttempts: 3, leaseSeconds: 3600 } }));
        await waitFor('down.pdf quarantined after its third delivery', () => out.quarantined.length === 1, 30_000);
        assert.deepEqual(
          sinkControl.records.map((r) => r.attempt),
          [1, 2, 3],
        );
        const report = JSON.parse((await readFile(servers().localPath(out.quarantined[0].filebridge!.quarantine!.reportPath))).toString()) as QuarantineReport;
        assert.deepEqual([report.error.code, report.attempt], ['TIMEOUT', 3]);
      });

      it('with "Send again" off, a connection failure is quarantined at once', async () => {
        await servers().writeFile(`${dir}/inbox/once.pdf`, 'x');
        sinkControl.failPattern = /^once/;
        sinkControl.failCode = 'TIMEOUT';
        const out = await load(pipeline(protocol, `${dir}/inbox`, { quarantine: { retryTransient: false } }));
        await waitFor('quarantined', () => out.quarantined.length === 1);
        assert.deepEqual(
          sinkControl.records.map((r) => r.attempt),
          [1],
        );
      });

      it('a backslash is a character of the name, not a folder: such files are claimed, acked and quarantined with their report', async () => {
        // Legal on POSIX servers; it used to be taken for a folder separator, so the report could not be written.
        await servers().writeFile(`${dir}/inbox/ok\\a.pdf`, 'fine');
        await servers().writeFile(`${dir}/inbox/bad\\b.pdf`, 'broken');
        sinkControl.failPattern = /^bad/;
        const out = await load(pipeline(protocol, `${dir}/inbox`, { ack: { archiveTemplate: 'done/' } }));
        await waitFor('one acked, one quarantined', () => out.acked.length === 1 && out.quarantined.length === 1);
        assert.equal(out.acked[0].filebridge!.source!.name, 'ok\\a.pdf');
        assert.equal(out.acked[0].filebridge!.audit!.sourceNowAt, `${dir}/inbox/done/ok\\a.pdf`);
        assert.equal((await readFile(servers().localPath(`${dir}/inbox/done/ok\\a.pdf`))).toString(), 'fine');
        const q = out.quarantined[0].filebridge!.quarantine!;
        assert.match(q.path, new RegExp(`^${dir}/inbox/\\.filebridge/failed/\\d{8}T\\d{6}-\\d{3}Z_bad\\\\b\\.pdf$`));
        assert.equal((await readFile(servers().localPath(q.path))).toString(), 'broken');
        const report = JSON.parse((await readFile(servers().localPath(q.reportPath))).toString()) as QuarantineReport;
        assert.deepEqual([report.file, report.originalPath, report.fileMoved], ['bad\\b.pdf', `${dir}/inbox/bad\\b.pdf`, true]);
        assert.deepEqual(
          (await localFiles(`${dir}/inbox`)).filter((f) => !f.includes('/')),
          [],
          'nothing left in the inbox',
        );
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
    });
  }
});
