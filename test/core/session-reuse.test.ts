import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createPool } from '../../src/core/remote/connect';
import { openFile } from '../../src/core/remote/operations';
import { servers } from '../support/dev-servers';
import { PROTOCOLS, optionsFor } from '../support/server-options';

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
          await pipeline(stream, new Writable({ write(_c, _e, done) { done(); } }));
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
