/**
 * The two promises of the FTP -> xConnector examples that need more than a small file:
 * - xc-01 posts a 1,000,000-row catalogue (about 200 MB) in batches with a flat memory profile: the
 *   REST simulator runs as a child process (`npm run sim:rest`), so the peak RSS measured here is
 *   Node-RED's (with the FTP client, the record reader and the REST client) and nothing else.
 * - xc-04 posts no record twice across a 429 storm and a Node-RED restart: a real Node-RED process
 *   runs the example, is killed (SIGKILL) in the middle of a file and started again; the file is sent
 *   again from its first record and the simulator, which keeps every idempotency key, answers the
 *   batches it already has as the first time (`duplicatePosts` 0, every record stored once).
 */
import { strict as assert } from 'node:assert';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import helper from 'node-red-node-test-helper';
import { startRestSim, type RestSim } from '../../../dev/sim/rest';
import { startNodeRed, type RunningNodeRed } from '../../../dev/sandbox/node-red-process';
import { servers } from '../../support/dev-servers';
import { Outcomes, ftpFilesBelow, waitFor } from '../../support/file360-example-flows';
import { loadFlow, startTestServer, stopTestServer } from '../../support/flow-helper';
import { nodeRedPath } from '../../support/node-red-under-test';
import { arrived, REST_EXAMPLE_NODES, restTarget, simInspector } from '../../support/rest-example-flows';
import { REPO_ROOT, runtimes } from '../../support/runtimes';
import { startSimCli, stopSimCli } from '../../support/sim-cli';
import { coreNodes, prepareExample, type RestTarget } from '../../support/example-flows';
import { rssSampler } from '../../support/memory';

helper.init(nodeRedPath());

const MiB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `rows` catalogue rows of about 200 bytes each, made as they are read (never in memory whole). */
function catalogueRows(rows: number): Readable {
  let n = 0;
  const pad = 'x'.repeat(120);
  return new Readable({
    read() {
      if (n === 0) this.push('sku,name,price,currency,category\n');
      if (n >= rows) return void this.push(null);
      const lines: string[] = [];
      for (let i = 0; i < 2000 && n < rows; i++, n++) {
        lines.push(`XCL-${String(n + 1).padStart(7, '0')},Catalogue item ${n + 1} ${pad},${((n % 10_000) / 100).toFixed(2)},EUR,Category ${n % 37}`);
      }
      this.push(`${lines.join('\n')}\n`);
    },
  });
}

describe('xConnector examples at volume and across a restart (vsftpd, REST simulator)', function () {
  this.timeout(900_000);

  describe('xc-01 in node-red-node-test-helper, the simulator in a child process', () => {
    beforeEach(async () => {
      await servers().startAll();
      await startTestServer();
    });
    afterEach(async () => {
      await helper.unload();
      await stopTestServer();
    });

    it('xc-01 [volume]: a 1,000,000-row catalogue (about 200 MB) is posted in batches, every product stored once, with the peak RSS below 150 MB', async function () {
      const s = servers();
      const folder = 'xc-01/catalogue';
      await s.remove('xc-01');
      await s.mkdirp(folder);
      const ROWS = 1_000_000;
      const name = 'catalogue_bulk_20261201.csv';
      const local = s.localPath(`${folder}/.${name}.tmp`);
      await mkdir(dirname(local), { recursive: true });
      await pipeline(catalogueRows(ROWS), createWriteStream(local));
      const cli = await startSimCli('rest', ['--port', '0', '--products', '0']);
      try {
        const target = cli.line as unknown as RestTarget;
        const inspect = simInspector(String(cli.line.url));
        const example = prepareExample('xc-01 Catalogue files posted to the ERP API.json', { rest: restTarget(target) });
        await loadFlow([...REST_EXAMPLE_NODES, ...coreNodes()], example.flow, example.credentials);
        const out = new Outcomes(example, ['posted', 'rejected']);
        global.gc?.();
        await sleep(200);
        const rss = rssSampler();
        let posted;
        try {
          // Renamed into the watched folder whole, as an FTP client with a temporary name does.
          await rename(local, s.localPath(`${folder}/${name}`));
          [posted] = await arrived(out, 'posted', 1, ['rejected'], 840_000);
        } finally {
          rss.stop();
        }
        const { baseline } = rss;
        const grew = (rss.peak() - baseline) / MiB;
        if (this.test) this.test.title += ` (peak RSS +${grew.toFixed(0)} MiB over ${(baseline / MiB).toFixed(0)} MiB)`;
        console.log(`      xc-01: 1,000,000 rows posted, peak RSS +${grew.toFixed(1)} MiB over ${(baseline / MiB).toFixed(0)} MiB`);
        const rest = posted?.filebridge?.rest as { records: number; batches: number };
        assert.equal(rest.records, ROWS);
        assert.equal(rest.batches, ROWS / 1000);
        const stats = await inspect.stats();
        assert.equal(stats.duplicatePosts, 0);
        assert.equal((await inspect.state()).counts.products, ROWS, 'every row stored once');
        assert.equal(stats.recordsPosted.products, ROWS, 'and posted once');
        assert.equal(out.of('rejected').length, 0);
        assert.ok(grew < 150, `peak RSS grew by ${grew.toFixed(1)} MiB while 200 MB of records went through`);
        await waitFor('the catalogue archived', async () => !(await s.exists(`${folder}/${name}`)));
      } finally {
        await stopSimCli(cli);
        await unlink(local).catch(() => undefined);
        await unlink(s.localPath(`${folder}/${name}`)).catch(() => undefined);
        await s.remove('xc-01');
      }
    });
  });

  // Node-RED 4.1 in its own process whichever pass runs this file (never Node-RED 5): `[own runtimes]`
  // leaves it out of the Node-RED 5 pass (run-on-node-red-5.ts).
  describe('xc-04 [own runtimes] in a real Node-RED process, killed and started again', () => {
    let sim: RestSim;
    let work: string;
    const running: RunningNodeRed[] = [];

    before(async () => {
      sim = await startRestSim({ port: 0 });
      work = await mkdtemp(join(tmpdir(), 'filebridge-xc04-'));
      await servers().startAll();
    });
    after(async () => {
      await Promise.all(running.splice(0).map((r) => r.stop()));
      await sim?.stop();
      await rm(work, { recursive: true, force: true });
    });

    async function deploy(nodeRed: RunningNodeRed, flow: Record<string, unknown>[]): Promise<void> {
      const res = await fetch(`${nodeRed.url}/flows`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
        body: JSON.stringify(flow),
      });
      assert.ok(res.status === 200 || res.status === 204, `deploy: ${res.status} ${await res.text()}`);
    }

    it('xc-04: no availability record is posted twice across a 429 storm and a Node-RED restart in the middle of a file', async () => {
      const s = servers();
      await s.remove('xc-04');
      await s.mkdirp('xc-04/inbound');
      const inspect = simInspector(sim.url);
      const userDir = join(work, 'node-red');
      await mkdir(join(userDir, 'node_modules'), { recursive: true });
      await writeFile(join(userDir, 'package.json'), JSON.stringify({ name: 'filebridge-xc04', version: '1.0.0', private: true }));
      await symlink(REPO_ROOT, join(userDir, 'node_modules', 'node-red-contrib-ecm-filebridge'), 'dir');
      const example = prepareExample('xc-04 Inventory sync with partner availability files.json', { rest: restTarget(sim) });
      // The admin API stores a node's `credentials` in Node-RED's credential store, as the editor does.
      const flow = example.flow.map((n) => (example.credentials[n.id] ? { ...n, credentials: example.credentials[n.id] } : n));
      const [runtime] = await runtimes();
      let nodeRed = await startNodeRed(runtime, userDir);
      running.push(nodeRed);
      await deploy(nodeRed, flow);

      const ROWS = 2500;
      const rows = Array.from({ length: ROWS }, (_, i) => `XC04-${String(i + 1).padStart(5, '0')},WH-${(i % 3) + 1},${i % 500},${i % 2 ? '2026-12-24' : ''}`);
      // Slow answers, so Node-RED is stopped in the middle of the file; a 429 storm on the way.
      sim.setFaults({ latencyMs: 120, status429: 4, retryAfterSeconds: 1 });
      await s.writeFile('xc-04/inbound/availability_20261201.csv', `sku,warehouse,quantity,available_from\n${rows.join('\n')}\n`);
      const running0 = nodeRed;
      await waitFor(
        () => `a third of the file posted; Node-RED's log: ${running0.output().slice(-3000)}`,
        async () => Object.keys(await inspect.posts('availability')).length >= 800,
        120_000,
      );
      await nodeRed.kill();
      running.splice(running.indexOf(nodeRed), 1);
      const postedBefore = Object.keys(await inspect.posts('availability')).length;
      assert.ok(postedBefore < ROWS, `stopped in the middle: ${postedBefore} of ${ROWS} posted`);

      sim.setFaults({ latencyMs: 20, status429: 4, retryAfterSeconds: 1 });
      nodeRed = await startNodeRed(runtime, userDir);
      running.push(nodeRed);
      await waitFor(
        () => `the availability file archived after the restart; Node-RED's log: ${nodeRed.output().slice(-3000)}`,
        async () => (await ftpFilesBelow('xc-04/inbound')).some((f) => f.startsWith('.filebridge/archive/') && f.endsWith('availability_20261201.csv')),
        180_000,
      );
      const stats = await inspect.stats();
      assert.equal(stats.duplicatePosts, 0, 'no record stored by two different requests');
      assert.ok(stats.replays > 0, 'the batches sent before the restart were sent again and answered from the idempotency store');
      const posts = await inspect.posts('availability');
      const keys = Object.keys(posts);
      assert.equal(keys.length, ROWS, 'every record posted');
      assert.deepEqual(
        keys.filter((k) => posts[k] !== 1),
        [],
        'every record stored once',
      );
      assert.equal(sim.faults().status429, 0, 'the 429 storm was met (and waited out)');
      assert.doesNotMatch(nodeRed.output(), /\[error\]/, nodeRed.output().slice(-3000));
    });
  });
});
