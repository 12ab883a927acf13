import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileBridgeError } from '../../../../src/core/errors';
import { createPool } from '../../../../src/core/remote/connect';
import { openFile, statEntry } from '../../../../src/core/remote/operations';
import { servers } from '../../../support/dev-servers';
import { PROTOCOLS, optionsFor } from '../../../support/server-options';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

describe('session pool against a server that is down', () => {
  it('fails every queued request with CONNECTION instead of leaving any waiting', async function () {
    this.timeout(30_000);
    const pool = createPool(optionsFor('ftp', { port: await closedPort() }), { size: 1, connectRetries: 1, backoffBaseMs: 20, backoffMaxMs: 100 });
    const states: string[] = [];
    pool.onState((s) => states.push(s.state));
    try {
      const outcomes = await Promise.all(
        [1, 2, 3].map(() =>
          statEntry(pool, 'x.txt').then(
            () => 'ok',
            (e: unknown) => e,
          ),
        ),
      );
      for (const outcome of outcomes) {
        assert.ok(outcome instanceof FileBridgeError, String(outcome));
        assert.equal(outcome.code, 'CONNECTION');
      }
      assert.ok(states.includes('error'));
    } finally {
      await pool.close();
    }
  });

  it('does not retry errors that another attempt cannot fix (wrong password)', async function () {
    this.timeout(30_000);
    const pool = createPool(optionsFor('ftp', { password: 'wrong' }), { size: 1, connectRetries: 3, backoffBaseMs: 5_000 });
    const started = Date.now();
    try {
      await assert.rejects(statEntry(pool, 'x.txt'), (err: unknown) => err instanceof FileBridgeError && err.code === 'AUTHENTICATION');
      // Three retries with a 5 s base would take far longer than one refused login.
      assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
    } finally {
      await pool.close();
    }
  });
});

describe('a stream read to its end gives its connection back to the pool (real servers)', () => {
  for (const protocol of PROTOCOLS) {
    it(protocol, async () => {
      const s = servers();
      await s.startAll();
      await s.writeFile(`reuse-${protocol}/f.bin`, randomBytes(300_000));
      const pool = createPool(optionsFor(protocol), { size: 1 });
      try {
        for (let i = 0; i < 3; i++) {
          const { stream } = await openFile(pool, `reuse-${protocol}/f.bin`);
          await pipeline(
            stream,
            new Writable({
              write(_c, _e, done) {
                done();
              },
            }),
          );
        }
        const lease = await pool.acquire();
        // Reconnecting after every download would cost partners a login per file.
        assert.equal(lease.reused, true, 'the connection was closed after a complete read');
        assert.equal(lease.session.alive, true);
        lease.release();
      } finally {
        await pool.close();
      }
    });
  }
});

describe('urgent work while every pooled session is busy (useReserve, real servers)', () => {
  for (const protocol of ['sftp', 'ftp'] as const) {
    it(`${protocol}: runs on one extra connection while a stream holds the pool's only session, and on the pool again once it is free`, async function () {
      this.timeout(30_000);
      const s = servers();
      await s.startAll();
      await s.writeFile(`reserve-${protocol}/big.bin`, randomBytes(2_000_000));
      await s.writeFile(`reserve-${protocol}/small.txt`, 'x');
      const pool = createPool(optionsFor(protocol), { size: 1 });
      try {
        const { stream } = await openFile(pool, `reserve-${protocol}/big.bin`);
        stream.pause();
        let plainDone = false;
        const plain = statEntry(pool, `reserve-${protocol}/small.txt`).then((e) => ((plainDone = true), e));
        const sessions = new Set<unknown>();
        const urgent = await Promise.all(
          [1, 2].map(() =>
            pool.useReserve(async (session) => {
              sessions.add(session);
              return session.stat(`reserve-${protocol}/small.txt`);
            }),
          ),
        );
        assert.deepEqual(
          urgent.map((e) => e?.size),
          [1, 1],
        );
        assert.equal(plainDone, false, 'plain work still waits for the stream');
        assert.equal(sessions.size, 2, 'one connection per urgent call, opened for it and closed after');
        for (const session of sessions) await waitUntil(() => !(session as { alive: boolean }).alive);
        stream.destroy();
        assert.equal((await plain)?.size, 1);
        // A free pooled session is used as it is: no extra connection.
        const lease = await pool.acquire();
        const pooled = lease.session;
        lease.release();
        assert.equal(await pool.useReserve(async (session) => session === pooled), true);
      } finally {
        await pool.close();
      }
    });
  }
});

describe('a stream nobody reads gives its connection back after the unread timeout (real servers)', () => {
  for (const protocol of ['sftp', 'ftp'] as const) {
    it(`${protocol}: a pool of one serves the next operation once the stalled stream timed out`, async function () {
      this.timeout(60_000);
      const s = servers();
      await s.startAll();
      await s.writeFile(`unread-${protocol}/big.bin`, randomBytes(4 * 1024 * 1024));
      await s.writeFile(`unread-${protocol}/other.txt`, 'next');
      const pool = createPool(optionsFor(protocol), { size: 1, unreadTimeoutMs: 1_000 });
      try {
        const { stream } = await openFile(pool, `unread-${protocol}/big.bin`);
        const failed = new Promise<unknown>((resolve) => stream.once('error', resolve));
        // The consumer reads one chunk and then stops, holding the only connection.
        await new Promise<void>((resolve) => stream.once('data', () => resolve()));
        stream.pause();
        const started = Date.now();
        const next = statEntry(pool, `unread-${protocol}/other.txt`);
        const waited = await Promise.race([next, new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), 15_000))]);
        if (waited === 'stuck') assert.fail('the second operation was still waiting for the connection after 15 s');
        assert.equal(waited?.size, 4);
        assert.ok(Date.now() - started >= 500, 'the connection was freed before the timeout');
        const err = await failed;
        assert.ok(err instanceof FileBridgeError && err.code === 'TIMEOUT', String(err));
        assert.match(err.message, /Nobody read unread-.*big\.bin for 1 s/);
      } finally {
        await pool.close();
      }
    });
  }

  it('sftp: a reader that reads slowly but steadily is not cut off', async function () {
    this.timeout(60_000);
    const s = servers();
    await s.writeFile('unread-slow/f.bin', randomBytes(2_000_000));
    const pool = createPool(optionsFor('sftp'), { size: 1, unreadTimeoutMs: 400 });
    try {
      const { stream } = await openFile(pool, 'unread-slow/f.bin');
      const started = Date.now();
      let bytes = 0;
      await pipeline(
        stream,
        new Writable({
          highWaterMark: 16 * 1024,
          write(chunk: Buffer, _e, done) {
            bytes += chunk.length;
            setTimeout(done, 300);
          },
        }),
      );
      assert.equal(bytes, 2_000_000);
      assert.ok(Date.now() - started > 1_200, `the read took only ${Date.now() - started} ms, not several timeouts long`);
    } finally {
      await pool.close();
    }
  });
});

async function waitUntil(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
