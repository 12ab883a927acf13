/**
 * The short run of the chaos suite (`npm run chaos` is the long one): kill -9 of a real Node-RED
 * during an ingest from sshd and from vsftpd into the Content Server simulator, restarted with the
 * same user directory, with the nodes' default settings but a 2 s poll. Every guarantee is asserted through the
 * servers and the simulator.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runIngest } from '../../../../dev/chaos/ingest';
import { killAndRestart } from '../../../../dev/chaos/plans';
import { startContentServerSim, type ContentServerSim } from '../../../../dev/sim/content-server';
import { servers } from '../../../support/dev-servers';

describe('chaos: kill -9 during an ingest (short run)', function () {
  this.timeout(420_000);
  let sim: ContentServerSim;
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'filebridge-chaos-test-'));
    sim = await startContentServerSim({ dataDir });
  });
  after(async () => {
    await sim.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  const runtime = { label: 'Node-RED 4.1', node: process.execPath, redJs: require.resolve('node-red/red.js') };

  for (const [protocol, ack, seed] of [
    ['sftp', 'archive', 1401],
    ['ftp', 'leave', 1402],
  ] as const) {
    it(`${protocol}, ack ${ack}, default collision: 40 files, 2 kills: each file once in Content Server, disposed of once, drained within a minute`, async () => {
      const result = await runIngest({
        scenario: 'kill',
        servers: servers(),
        sim,
        runtime,
        protocol,
        ack,
        files: 40,
        seed,
        plan: killAndRestart(2),
        // Polls every 2 s instead of the default 10 s (npm run chaos keeps the defaults): the kills,
        // restarts and what each file must become are the same, without waiting out 10 s polls.
        watch: { intervalSeconds: 2 },
        log: (l) => console.log(l),
      });
      console.log(`      ${result.line}`);
      assert.deepEqual(result.violations, []);
    });
  }
});
