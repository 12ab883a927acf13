/**
 * The short run of the soak (`npm run chaos -- --scenario soak` is the long one: 10,000 polls of
 * 2,000 files): a real Node-RED polls a busy folder while files arrive and go; memory, descriptors
 * and connections are read from /proc and must stay flat, every file is acked exactly once.
 */
import { strict as assert } from 'node:assert';
import { runSoak } from '../../../../dev/chaos/soak';
import { servers } from '../../../support/dev-servers';

describe('chaos: soak of a busy folder (short run)', function () {
  this.timeout(420_000);
  const runtime = { label: 'Node-RED 4.1', node: process.execPath, redJs: require.resolve('node-red/red.js') };

  for (const [protocol, seed] of [
    ['sftp', 1501],
    ['ftp', 1502],
  ] as const) {
    it(`${protocol}: 300 files polled 150 times while files arrive: each acked once, memory, descriptors and connections flat`, async () => {
      const result = await runSoak({
        servers: servers(),
        runtime,
        protocol,
        files: 300,
        polls: 150,
        arrivalEveryMs: 500,
        seed,
        maxMs: 240_000,
        log: (l) => console.log(l),
      });
      console.log(`      ${result.line}`);
      assert.deepEqual(result.violations, [], `${result.violations.join('; ')}\n${result.diagnosis}`);
      assert.ok(result.samples.length >= 3, `${result.samples.length} samples`);
    });
  }
});
