import { strict as assert } from 'node:assert';
import { createServer } from 'node:net';
import { FileBridgeError } from '../../../../src/core/errors';
import { createPool } from '../../../../src/core/remote/connect';
import { statEntry } from '../../../../src/core/remote/operations';
import { optionsFor } from '../../../support/server-options';

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
      const outcomes = await Promise.all([1, 2, 3].map(() => statEntry(pool, 'x.txt').then(() => 'ok', (e: unknown) => e)));
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
