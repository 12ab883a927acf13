import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNodeRed, type RunningNodeRed } from '../../../dev/sandbox/node-red-process';
import { servers } from '../../support/dev-servers';
import { installIntoUserDir, packPackage } from '../../../dev/support/packed-package';
import { runtimes, type Runtime } from '../../support/runtimes';
import { serverConfigNode } from '../../support/server-config-node';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/*
 * The ledger against a crash, as a user meets it: the packed package in a fresh user directory of a
 * real Node-RED, a watch on the test sshd whose files ack leaves in place, and `kill -9` of that
 * Node-RED right after an ack. Node-RED's localfilesystem store writes its file up to 30 s after a
 * set and the memory store never does, so without a ledger of its own on disk the restarted runtime
 * would take the file again. Restarted with the same user directory, it must not.
 */
describe('a runtime killed right after an ack (leave in place) does not take the file again', function () {
  this.timeout(600_000);
  let work: string;
  let tarball: string;
  let all: Runtime[];
  const running: RunningNodeRed[] = [];

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'filebridge-kill-'));
    tarball = (await packPackage()).tarball;
    all = await runtimes();
  });
  after(async () => {
    await Promise.all(running.map((r) => r.stop()));
    await rm(work, { recursive: true, force: true });
  });

  /** The files the flow's debug node logged (`[debug:d1] <name>`), in order. */
  const processed = (log: string): string[] => [...log.matchAll(/\[debug:d1\]\s*\n?\s*(\S+\.txt)/g)].map((m) => m[1]);

  async function waitForLog(nodeRed: RunningNodeRed, what: string, check: (log: string) => boolean, ms = 60_000): Promise<void> {
    const end = Date.now() + ms;
    while (!check(nodeRed.output())) {
      if (Date.now() > end) throw new Error(`Timed out waiting for ${what}:\n${nodeRed.output().slice(-4000)}`);
      await sleep(25);
    }
  }

  const cases: { store: string; settings: string; runtime: number }[] = [
    { store: 'localfilesystem', settings: "contextStorage: { default: { module: 'localfilesystem' } },", runtime: 0 },
    { store: 'localfilesystem', settings: "contextStorage: { default: { module: 'localfilesystem' } },", runtime: 1 },
    { store: 'memory', settings: '', runtime: 0 },
  ];
  for (const c of cases) {
    it(`${c.store} context store, ${c.runtime === 0 ? 'Node-RED 4.1 on Node 20' : 'Node-RED 5 on Node 22'}`, async () => {
      const runtime = all[c.runtime];
      const label = `${c.store}-${c.runtime}`;
      const userDir = join(work, label);
      await installIntoUserDir(tarball, userDir);
      const s = servers();
      const dir = `kill-after-ack/${label}`;
      await s.remove(dir);
      await s.mkdirp(dir);
      await s.writeFile(`${dir}/first.txt`, Buffer.from('processed once, then left in place'));

      const flow = [
        { id: 't1', type: 'tab', label: 'kill after ack' },
        { ...serverConfigNode('sftp', { id: 's1' }), credentials: { password: s.password } },
        // Taken at once (no stability wait), polled twice a second, left in place by the ack.
        {
          id: 'w1',
          type: 'filebridge-watch',
          z: 't1',
          x: 100,
          y: 100,
          server: 's1',
          folder: dir,
          intervalSeconds: 0.5,
          stability: 'age',
          minAgeSeconds: 0,
          ledger: true,
          wires: [['a1']],
        },
        { id: 'a1', type: 'filebridge-ack', z: 't1', x: 300, y: 100, action: 'leave', archiveTemplate: '', wires: [['d1']] },
        {
          id: 'd1',
          type: 'debug',
          z: 't1',
          x: 500,
          y: 100,
          active: true,
          tosidebar: false,
          console: true,
          tostatus: false,
          complete: 'filename',
          targetType: 'msg',
        },
      ];
      const first = await startNodeRed(runtime, userDir, { extraSettings: c.settings });
      running.push(first);
      const res = await fetch(`${first.url}/flows`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
        body: JSON.stringify(flow),
      });
      assert.ok(res.status === 200 || res.status === 204, `deploy: ${res.status} ${await res.text()}`);
      await waitForLog(first, 'the ack of first.txt', (log) => processed(log).includes('first.txt'));
      // kill -9 right after the ack: no close handler, no context flush.
      await first.kill();
      assert.ok(existsSync(s.localPath(`${dir}/first.txt`)), 'ack left the file in place');
      if (c.store === 'localfilesystem') {
        const global = join(userDir, 'context', 'global', 'global.json');
        const onDisk = existsSync(global) ? await readFile(global, 'utf8') : '';
        assert.doesNotMatch(onDisk, /filebridge_ledger_/, 'the context store had flushed before the kill: this run proves nothing');
      }

      const second = await startNodeRed(runtime, userDir, { extraSettings: c.settings });
      running.push(second);
      await waitForLog(second, 'the flows to start again', (log) => /Started flows/.test(log));
      // The watch runs again: a new file is taken and acked...
      await s.writeFile(`${dir}/second.txt`, Buffer.from('arrives after the restart'));
      await waitForLog(second, 'the ack of second.txt', (log) => processed(log).includes('second.txt'));
      // ...and several polls later the file acked before the kill has not come round again.
      await sleep(3000);
      assert.deepEqual(processed(second.output()), ['second.txt'], second.output().slice(-4000));
      assert.deepEqual(processed(first.output()), ['first.txt']);
      await second.stop();
    });
  }
});
