import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { appendFile, chmod, readdir } from 'node:fs/promises';
import { createPool } from '../../../../src/core/remote/connect';
import { claimByRename, claimFileName } from '../../../../src/core/pipeline/claim';
import { disposeSource, quarantineSource } from '../../../../src/core/pipeline/dispose';
import { sourceBuffer } from '../../../../src/core/pipeline/source-stream';
import { Watcher, DEFAULT_WATCH_SETTINGS, type ClaimedFile } from '../../../../src/core/pipeline/watcher';
import type { SourceFacts } from '../../../../src/core/pipeline/source';
import type { Protocol } from '../../../../src/core/remote/types';
import type { FileBridgeError } from '../../../../src/core/errors';
import type { SetAside } from '../../../../src/core/pipeline/unclaimable';
import type { QuarantineReport } from '../../../../src/core/pipeline/quarantine-report';
import { claimedFileOf, commitClaim, rollbackClaim } from '../../../../src/core/pipeline/process-strategy';
import { registerWatch } from '../../../../src/core/pipeline/running-watches';
import { sourceFactsFor } from '../../../../src/core/pipeline/source';
import { startLyingSftpServer } from '../../../support/lying-sftp-server';
import { startLyingFtpServer } from '../../../support/lying-ftp-server';
import { listEntries } from '../../../../src/core/remote/operations';
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

      /** A watcher that takes files at once (age 0) and records what it emits, what failed and what it set aside. */
      const recording = (settings: Partial<typeof DEFAULT_WATCH_SETTINGS>) => {
        const seen = {
          emitted: [] as ClaimedFile[],
          failed: [] as { path: string; error: FileBridgeError }[],
          aside: [] as SetAside[],
          errors: [] as FileBridgeError[],
        };
        const folder = `${dir}/in`;
        const w = new Watcher(
          { ...DEFAULT_WATCH_SETTINGS, folder, stability: { ...DEFAULT_WATCH_SETTINGS.stability, mode: 'age', minAgeMs: 0 }, ...settings },
          {
            pool: pools[0],
            origin: { server: 's1', watch: 'w1', protocol, host: '127.0.0.1', port: 22, folder },
            emit: async (f) => {
              seen.emitted.push(f);
            },
            onClaimFailed: (path, error) => seen.failed.push({ path, error }),
            onSetAside: (_path, aside) => seen.aside.push(aside),
            onError: (err) => seen.errors.push(err),
          },
        );
        return { w, seen };
      };

      it('a file the watch may not rename fails alone: reported with its code, tried again, then quarantined in place with its report; the files after it are emitted in the same poll', async () => {
        await servers().writeFile(`${dir}/in/a.pdf`, 'a');
        await servers().writeFile(`${dir}/in/locked/m.pdf`, 'm');
        await servers().writeFile(`${dir}/in/z.pdf`, 'z');
        const locked = servers().localPath(`${dir}/in/locked`);
        await chmod(locked, 0o555);
        try {
          const { w, seen } = recording({ recursive: true, maxAttempts: 2 });
          await w.trigger();
          assert.deepEqual(seen.errors, [], 'the poll itself did not fail');
          assert.deepEqual(
            seen.emitted.map((f) => f.relativePath),
            ['a.pdf', 'z.pdf'],
            'z.pdf sorts after the failing file and is emitted in the same poll',
          );
          assert.equal(seen.failed.length, 1);
          assert.equal(seen.failed[0].path, `${dir}/in/locked/m.pdf`);
          assert.equal(seen.failed[0].error.code, 'PERMISSION_DENIED');
          assert.match(
            seen.failed[0].error.message,
            /^Could not claim .*locked\/m\.pdf: .* tried again on the next polls \(try 1 of 2, then it is set aside\)/,
          );
          assert.deepEqual([w.lastReport?.emitted, w.lastReport?.failed, w.failingClaims], [2, 1, 1]);

          await w.trigger();
          assert.equal(seen.failed.length, 2, 'tried again on the next poll');
          assert.match(seen.failed[1].error.message, /That was try 2 of 2: it is set aside\./);
          assert.equal(seen.aside.length, 1);
          const aside = seen.aside[0];
          assert.equal(aside.moved, false, 'a file that cannot be renamed at all stays where it is');
          assert.equal(aside.path, `${dir}/in/locked/m.pdf`);
          assert.ok(await servers().exists(`${dir}/in/locked/m.pdf`));
          assert.ok(aside.reportPath?.startsWith(`${dir}/in/.filebridge/failed/locked/`), aside.reportPath);
          const report = JSON.parse((await servers().readFile(aside.reportPath!)).toString()) as QuarantineReport;
          assert.deepEqual(
            [report.fileMoved, report.error.code, report.originalPath, report.quarantinedPath, report.attempt],
            [false, 'PERMISSION_DENIED', `${dir}/in/locked/m.pdf`, `${dir}/in/locked/m.pdf`, 2],
          );
          assert.equal(w.lastReport?.gaveUp, 1);
          assert.equal(w.failingClaims, 0);

          await w.trigger();
          assert.equal(seen.failed.length, 2, 'set aside in place: not tried again while unchanged');
          assert.equal(seen.emitted.length, 2);
          w.close();
        } finally {
          await chmod(locked, 0o755);
        }
      });

      it('a 244-byte name does not stop the inbox: the files sorting after it are emitted in the same poll, and if its claim fails it is set aside under its own name with a code that says why', async () => {
        const long = `${'l'.repeat(240)}.pdf`;
        for (const name of ['a.pdf', long, 'z.pdf']) await servers().writeFile(`${dir}/in/${name}`, name.slice(0, 5));
        const { w, seen } = recording({ maxAttempts: 1 });
        await w.trigger();
        assert.deepEqual(seen.errors, [], 'the poll itself did not fail');
        const names = seen.emitted.map((f) => f.name);
        assert.ok(names.includes('a.pdf') && names.includes('z.pdf'), names.join(', '));
        if (seen.failed.length > 0) {
          // The claim name (prefix + 244 bytes) is longer than the server's file system allows.
          assert.equal(seen.failed[0].error.code, 'INVALID_INPUT');
          assert.match(seen.failed[0].error.message, /Its claim name would be \d+ bytes long, more than the 255 bytes/);
          assert.equal(seen.aside.length, 1);
          assert.equal(seen.aside[0].moved, true);
          assert.equal(seen.aside[0].path, `${dir}/in/.filebridge/failed/${long}`, 'the time-stamped name is too long as well; its own name fits');
          assert.equal((await servers().readFile(seen.aside[0].path)).toString(), 'lllll');
          const report = JSON.parse((await servers().readFile(seen.aside[0].reportPath!)).toString()) as QuarantineReport;
          assert.deepEqual([report.fileMoved, report.error.code, report.file], [true, 'INVALID_INPUT', long]);
        } else {
          assert.ok(names.includes(long), 'claimed like any other file');
        }
        w.close();
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

describe('names and paths from a lying server or a forged message', function () {
  this.timeout(60_000);
  const lies = ['../../etc/passwd', 'a/../../x.pdf', 'sub/evil.pdf', '.', '..', 'nul\0.pdf', '..\\..\\x.pdf'];

  for (const protocol of ['sftp', 'ftp'] as const) {
    it(`${protocol}: hostile names are left out of the listing with a warning; nothing is renamed, deleted or written outside the watched folder`, async () => {
      const files = { '/inbox/good.pdf': 'good', '/etc/passwd': 'root:x:0:0', '/x.pdf': 'outside' };
      const server = protocol === 'sftp' ? await startLyingSftpServer(files, '/inbox', lies) : await startLyingFtpServer(files, '/inbox', lies);
      const pool = createPool(
        {
          protocol,
          host: '127.0.0.1',
          port: server.port,
          username: 'u',
          password: 'p',
          trustOnFirstUse: true,
          connectTimeoutMs: 10_000,
          idleTimeoutMs: 20_000,
          keepaliveIntervalMs: 5_000,
        },
        { size: 2 },
      );
      try {
        // The remote node's list: hostile names are left out, and said.
        const refused: string[] = [];
        const listed = await listEntries(pool, 'inbox', { onRefused: (_folder, name) => refused.push(name) });
        assert.deepEqual(
          listed.map((e) => e.path),
          ['inbox/good.pdf'],
        );
        assert.equal(refused.length, 5);

        const emitted: ClaimedFile[] = [];
        const warnings: string[] = [];
        const errors: FileBridgeError[] = [];
        const origin = { server: 's', watch: `lying-${protocol}`, protocol, host: '127.0.0.1', port: server.port, folder: 'inbox' };
        const w = new Watcher(
          { ...DEFAULT_WATCH_SETTINGS, folder: 'inbox', recursive: true, stability: { ...DEFAULT_WATCH_SETTINGS.stability, mode: 'age', minAgeMs: 0 } },
          {
            pool,
            origin,
            emit: async (f) => {
              emitted.push(f);
            },
            onUnsafeName: (folder, name, why) => warnings.push(`${folder} | ${name} | ${why}`),
            onError: (err) => errors.push(err),
          },
        );
        await w.trigger();
        assert.deepEqual(errors, []);
        assert.deepEqual(
          emitted.map((f) => f.name),
          ['good.pdf'],
        );
        assert.deepEqual(warnings.map((line) => line.split(' | ')[1]).sort(), [
          '../../etc/passwd',
          '..\\\\..\\\\x.pdf',
          'a/../../x.pdf',
          'nul\\u0000.pdf',
          'sub/evil.pdf',
        ]);
        assert.ok(warnings.every((line) => line.startsWith('inbox | ')));
        assert.match(
          warnings.find((line) => line.includes('sub/evil'))!,
          /a "\/" in the name/,
        );
        await w.trigger();
        assert.equal(warnings.length, 5, 'said once, not every poll');
        const outside = server.changes.filter((c) =>
          c
            .split(/ -> | /)
            .slice(1)
            .some((p) => !p.startsWith('/inbox/')),
        );
        assert.deepEqual(outside, [], server.changes.join('\n'));
        assert.ok(
          server.changes.some((c) => /^(RENAME|RNFR) \/inbox\/good\.pdf/.test(c)),
          server.changes.join('\n'),
        );
        w.close();

        // A message whose facts were changed on the way cannot steer ack or quarantine out of the claim folder.
        registerWatch(`lying-${protocol}`, w, { folder: 'inbox', claimRoot: w.claimRoot });
        const real = sourceFactsFor(origin, emitted[0]);
        const before = server.changes.length;
        const forged: [Partial<SourceFacts>, RegExp][] = [
          [{ claimPath: 'etc/passwd' }, /claimPath "etc\/passwd" is not in the claim folder of its watch \(inbox\/\.filebridge\/processing\)/],
          [{ claimPath: 'inbox/.filebridge/processing/../../etc/passwd' }, /contains a "\.\." segment/],
          [{ claimPath: 'inbox/good.pdf' }, /not in the claim folder/],
          [{ path: 'etc/passwd' }, /path "etc\/passwd" is not the watched folder "inbox" plus the relative path/],
          [{ relativePath: '../etc/passwd', name: 'passwd', path: 'etc/passwd' }, /relativePath "\.\.\/etc\/passwd" is not a path below the watched folder/],
          [{ name: '../passwd' }, /must be a name without folders|contains a "\.\." segment/],
          [{ folder: 'etc', path: 'etc/good.pdf' }, /not in the claim folder of its watch for the folder "etc"/],
        ];
        for (const [change, message] of forged) {
          const source = { ...real, ...change };
          for (const attempt of [
            () => commitClaim({ pool }, { source }, { action: 'delete' }),
            () => commitClaim({ pool }, { source }, { action: 'leave' }),
            () => rollbackClaim({ pool }, { source }, { message: 'x' }),
            () => Promise.resolve().then(() => claimedFileOf({ source })),
          ]) {
            await assert.rejects(attempt(), (err: FileBridgeError) => err.code === 'INVALID_INPUT' && message.test(err.message), JSON.stringify(change));
          }
        }
        assert.deepEqual(server.changes.slice(before), [], 'nothing was touched');
        assert.ok(server.files.has('/etc/passwd'));
        const acked = await commitClaim({ pool }, { source: real }, { action: 'delete' });
        assert.equal(acked.disposal.action, 'deleted', 'the real message is still acked');
      } finally {
        await pool.close();
        await server.stop();
      }
    });
  }
});
