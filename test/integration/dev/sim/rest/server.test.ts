/** The simulator's life (server.ts): a taken port leaves nothing behind; stop twice is harmless and removes its own data dir. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startRestSim } from '../../../../../dev/sim/rest';

describe('REST simulator: start and stop', function () {
  it('leaves nothing behind when its port is taken, and stops twice without harm', async function () {
    const first = await startRestSim({ seed: { products: 1 } });
    try {
      await assert.rejects(startRestSim({ port: first.port }), /EADDRINUSE/);
    } finally {
      await first.stop();
      await first.stop();
    }
    assert.equal(existsSync(first.dataDir), false);
  });
});
