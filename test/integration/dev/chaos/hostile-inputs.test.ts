/**
 * The short run of the chaos suite's hostile-inputs scenario: empty, truncated, one-line 3 MB and
 * wrong-magic files, backslash and 255-byte UTF-8 names and a file growing while the watch looks
 * at it, in an inbox on sshd and on vsftpd, through the flow a user builds (watch -> validate ->
 * cs upload -> ack, invalid and Catch -> quarantine) in a real Node-RED. Each file is delivered
 * once or quarantined with the VALIDATION code and its failing rule, a name with `..` between
 * backslashes is left in place with a warning; nothing is lost and nothing outside the inbox
 * changes. Everything is asserted through the servers and the simulator. Shorter polls than the
 * node's defaults (see below); `npm run chaos -- --scenario hostile` runs it with the defaults.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHostile } from '../../../../dev/chaos/hostile';
import { startContentServerSim, type ContentServerSim } from '../../../../dev/sim/content-server';
import { servers } from '../../../support/dev-servers';

describe('chaos: hostile inputs end to end (short run)', function () {
  this.timeout(300_000);
  let sim: ContentServerSim;
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'filebridge-chaos-hostile-test-'));
    sim = await startContentServerSim({ dataDir });
  });
  after(async () => {
    await sim.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  const runtime = { label: 'Node-RED 4.1', node: process.execPath, redJs: require.resolve('node-red/red.js') };

  for (const [protocol, seed] of [
    ['sftp', 1411],
    ['ftp', 1412],
  ] as const) {
    it(`${protocol}: 7 good files delivered once (the growing one whole), 7 bad ones quarantined with VALIDATION, a ".." name refused in place, nothing lost or touched outside the inbox`, async () => {
      // Polls every 2 s (not 10) and empty files taken after 5 s (not 60), the file growing for 8 s (4 polls
      // see it change): the same inputs and verdicts as `npm run chaos`, which keeps the defaults, in a
      // third of the time.
      const result = await runHostile({
        servers: servers(),
        sim,
        runtime,
        protocol,
        seed,
        watch: { intervalSeconds: 2, emptyMinAgeSeconds: 5 },
        growMs: 8_000,
        log: (l) => console.log(l),
      });
      console.log(`      ${result.line}`);
      assert.deepEqual(result.violations, []);
      assert.match(
        result.line,
        / files=15 delivered_once=7 expected_delivered=7 quarantined=7 quarantined_right=7 expected_quarantined=7 refused_in_place=1 expected_refused=1 lost=0 outside_touched=0 codes=VALIDATION:7 alive=true /,
      );
    });
  }
});
