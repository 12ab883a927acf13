import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { appendFile, readdir } from 'node:fs/promises';
import { createPool } from '../../../../src/core/remote/connect';
import { claimByRename, claimFileName } from '../../../../src/core/pipeline/claim';
import { disposeSource, quarantineSource } from '../../../../src/core/pipeline/dispose';
import { sourceBuffer } from '../../../../src/core/pipeline/source-stream';
import { Watcher, DEFAULT_WATCH_SETTINGS, type ClaimedFile } from '../../../../src/core/pipeline/watcher';
import type { SourceFacts } from '../../../../src/core/pipeline/source';
import type { Protocol } from '../../../../src/core/remote/types';
import { servers } from '../../../support/dev-servers';
import { optionsFor } from '../../../support/server-options';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('pipeline core on real servers', function () {
  this.timeout(60_000);
  for (const protocol of ['sftp', 'ftp', 'ftps-explicit'] as Protocol[]) {
    describe(protocol, () => {
      let n = 0;
      let dir = '';
      let pools: ReturnType<typeof createPool>[] = [];
      before(() => {
        pools = [createPool(optionsFor(protocol), { size: 3 }), createPool(optionsFor(protocol), { size: 3 })];
      });
      after(() => Promise.all(pools.map((p) => p.close())));
      beforeEach(async () => {
        await servers().startAll();
        dir = `pipe-${protocol}-${++n}`;
        await servers().remove(dir);
        await servers().mkdirp(`${dir}/in`);
      });

      it('two claimants racing for the same 40 files: each file has exactly one winner', async () => {
        for (let i = 0; i < 40; i++) await servers().writeFile(`${dir}/in/f${i}`, `file ${i}`);
        await servers().mkdirp(`${dir}/in/.filebridge/processing`);
        const claim = (pool: (typeof pools)[0], i: number): Promise<boolean> =>
          pool.use((s) => claimByRename(s, `${dir}/in/f${i}`, `${dir}/in/.filebridge/processing/${claimFileName(`f${i}`, Date.now(), 1, 'a1b2c3d4')}`), false);
        const results = await Promise.all(Array.from({ length: 40 }, (_, i) => Promise.all([claim(pools[0], i), claim(pools[1], i)])));
        for (const [a, b] of results) assert.equal(Number(a) + Number(b), 1);
        const claimed = await readdir(servers().localPath(`${dir}/in/.filebridge/processing`));
        assert.equal(claimed.length, 40);
      });

      it('the watcher claims only complete files, emits them in order, renews the lease of what it holds, and a recovery after the lease is attempt 2', async () => {
        await servers().writeFile(`${dir}/in/b.txt`, 'bbb');
        await servers().writeFile(`${dir}/in/a.txt`, 'aa');
        await servers().writeFile(`${dir}/in/.hidden`, 'h');
        await servers().writeFile(`${dir}/in/skip.tmp`, 't');
        const emitted: ClaimedFile[] = [];
        const settings = {
          ...DEFAULT_WATCH_SETTINGS,
          folder: `${dir}/in`,
          exclude: ['*.tmp'],
          leaseMs: 1000,
          stability: { ...DEFAULT_WATCH_SETTINGS.stability, stableMs: 300 },
        };
        const origin = { server: 's1', watch: 'w1', protocol, host: '127.0.0.1', port: 22, folder: settings.folder };
        const w = new Watcher(settings, {
          pool: pools[0],
          origin,
          emit: async (f) => {
            emitted.push(f);
          },
        });
        await w.trigger();
        assert.equal(emitted.length, 0, 'one listing proves nothing');
        await appendFile(servers().localPath(`${dir}/in/b.txt`), 'b');
        await sleep(400);
        await w.trigger();
        assert.deepEqual(
          emitted.map((f) => f.name),
          ['a.txt'],
          'b.txt grew in between',
        );
        await sleep(400);
        await w.trigger();
        assert.deepEqual(
          emitted.map((f) => f.name),
          ['a.txt', 'b.txt'],
        );
        assert.equal(emitted[1].size, 4);
        assert.equal(w.lastReport?.listed, 2, 'dot files, excluded files and the work folder are not listed');
        const data = await sourceBuffer(pools[0], emitted[1].claimPath, { expectedSize: 4 });
        assert.equal(data.toString(), 'bbbb');
        await assert.rejects(sourceBuffer(pools[0], emitted[1].claimPath, { expectedSize: 5 }), /gave 4 bytes, but the file had 5/);
        // Another watcher (another runtime) takes over a.txt once its lease ran out, but not b.txt, still in flight here.
        const other: ClaimedFile[] = [];
        const w2 = new Watcher(settings, {
          pool: pools[1],
          origin: { ...origin, watch: 'w2' },
          emit: async (f) => {
            other.push(f);
          },
        });
        w.release(emitted[0].correlationId);
        await sleep(1100);
        await w.trigger();
        assert.equal(emitted.length, 3, 'the first watcher recovers a.txt (not held any more)');
        assert.equal(emitted[2].name, 'a.txt');
        assert.equal(emitted[2].attempt, 2);
        await w2.trigger();
        assert.equal(other.length, 0, 'b.txt, still in flight at the first watcher, had its lease renewed: the other runtime leaves it');
        // The first watcher stops (a crash): nothing renews its leases any more.
        w.close();
        await sleep(1100);
        await w2.trigger();
        assert.deepEqual(other.map((f) => `${f.name} ${f.attempt}`).sort(), ['a.txt 3', 'b.txt 2'], 'both leases ran out: the other runtime takes them');
        await w2.trigger();
        assert.equal(other.length, 2, 'a recovered claim has a fresh lease');
        w2.close();
      });

      it('dispose and quarantine refuse or report a file that is no longer claimed', async () => {
        const source: SourceFacts = {
          server: 's',
          watch: 'w',
          protocol,
          host: 'h',
          port: 1,
          folder: `${dir}/in`,
          path: `${dir}/in/x.pdf`,
          relativePath: 'x.pdf',
          name: 'x.pdf',
          claimPath: `${dir}/in/.filebridge/processing/1-00000000-1~x.pdf`,
          size: 1,
          mtime: new Date().toISOString(),
          claimedAt: new Date().toISOString(),
          attempt: 1,
        };
        await assert.rejects(
          disposeSource(pools[0], source, { action: 'delete' }),
          (err: Error & { code?: string }) => err.code === 'NOT_FOUND' && /is gone/.test(err.message),
        );
        const q = await quarantineSource(pools[0], source, { message: 'boom', code: 'TIMEOUT' }, {});
        assert.equal(q.report.fileMoved, false);
        const report = JSON.parse((await servers().readFile(q.reportPath)).toString()) as { error: { code: string } };
        assert.equal(report.error.code, 'TIMEOUT');
        // Leave in place when a new file of that name arrived meanwhile: the old one gets a numbered name.
        await servers().writeFile(`${dir}/in/.filebridge/processing/1-00000000-1~x.pdf`, 'old');
        await servers().writeFile(`${dir}/in/x.pdf`, randomBytes(3));
        const left = await disposeSource(pools[0], source, { action: 'leave' });
        assert.equal(left.path, `${dir}/in/x_1.pdf`);
        assert.equal((await servers().readFile(`${dir}/in/x_1.pdf`)).toString(), 'old');
      });
    });
  }
});
