/*
 * filebridge-watch on a Dropbox folder in a real Node-RED process (the Dropbox simulator): the
 * backup case (dbx-cs-08). Files acked with "leave in place" stay in Dropbox; after a restart of the
 * runtime an unchanged file is not sent again (also when it was renamed), a changed one and a new one
 * are, once each; the same bytes written back over a file (dbx-cs-05's copy from the other side) are
 * not sent back.
 */
import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDropboxSim, type DropboxSim } from '../../../dev/sim/dropbox';
import { startNodeRed, type RunningNodeRed } from '../../../dev/sandbox/node-red-process';
import { REPO_ROOT, runtimes } from '../../support/runtimes';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function deploy(nodeRed: RunningNodeRed, flow: Record<string, unknown>[]): Promise<void> {
  const res = await fetch(`${nodeRed.url}/flows`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
    body: JSON.stringify(flow),
  });
  assert.ok(res.status === 200 || res.status === 204, `deploy: ${res.status} ${await res.text()}`);
}

/** The names the flow logged as acked (`acked <name> <contentHash>`), in order. */
function acked(output: string): string[] {
  return [...output.matchAll(/acked (\S+) ([0-9a-f]{64})/g)].map((m) => `${m[1]} ${m[2]}`);
}

// Node-RED 4.1 in its own process whichever pass runs this file (never Node-RED 5): `[own runtimes]`
// leaves it out of the Node-RED 5 pass (run-on-node-red-5.ts).
describe('filebridge-watch on a Dropbox folder, in a real Node-RED process [own runtimes]', function () {
  this.timeout(180_000);
  let sim: DropboxSim;
  let work: string;
  const running: RunningNodeRed[] = [];

  before(async () => {
    sim = await startDropboxSim({ port: 0 });
    work = await mkdtemp(join(tmpdir(), 'filebridge-dbx-watch-'));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.stop()));
  });
  after(async () => {
    await sim?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('backup (leave in place): across a restart an unchanged (or renamed) file is not sent again; a changed and a new one are, once; the same bytes written back are not sent back', async () => {
    const folder = `/Backup-${Date.now()}`;
    await sim.putFile(`${folder}/a.pdf`, 'a: never changes');
    await sim.putFile(`${folder}/b.pdf`, 'b: first version');
    const userDir = join(work, 'user');
    await mkdir(join(userDir, 'node_modules'), { recursive: true });
    await writeFile(join(userDir, 'package.json'), JSON.stringify({ name: 'filebridge-dbx-watch', version: '1.0.0', private: true }));
    await symlink(REPO_ROOT, join(userDir, 'node_modules', 'node-red-contrib-ecm-filebridge'), 'dir');
    const [runtime] = await runtimes();
    // A persistent context store for the cursor (the ledger survives through its journal anyway).
    const extraSettings = `contextStorage: { default: { module: 'localfilesystem' } },`;
    let nodeRed = await startNodeRed(runtime, userDir, { extraSettings });
    running.push(nodeRed);
    await deploy(nodeRed, [
      { id: 't1', type: 'tab', label: 'backup' },
      {
        id: 's1',
        type: 'filebridge-server',
        protocol: 'dropbox',
        appKey: sim.appKey,
        serviceUrl: sim.url,
        teamRoot: false,
        poolSize: 2,
        credentials: { refreshToken: sim.refreshToken },
      },
      { id: 'w1', type: 'filebridge-watch', z: 't1', server: 's1', folder, intervalSeconds: 0.3, stability: 'age', minAgeSeconds: 0, wires: [['a1']] },
      { id: 'a1', type: 'filebridge-ack', z: 't1', action: 'leave', wires: [['f1']] },
      {
        id: 'f1',
        type: 'function',
        z: 't1',
        func: "node.warn('acked ' + msg.filename + ' ' + msg.filebridge.source.contentHash); return null;",
        outputs: 1,
        wires: [[]],
      },
    ]);
    await waitFor('both files acked', () => acked(nodeRed.output()).length === 2);
    await sleep(1500);
    const firstRun = acked(nodeRed.output()).sort();
    assert.deepEqual(
      firstRun.map((a) => a.split(' ')[0]),
      ['a.pdf', 'b.pdf'],
    );
    assert.equal(firstRun[0].split(' ')[1], sim.entry(`${folder}/a.pdf`)?.content_hash, 'left in place, with the content hash the message carried');
    assert.ok(sim.entry(`${folder}/b.pdf`), 'left in place');

    await nodeRed.stop();
    running.splice(running.indexOf(nodeRed), 1);
    // While the runtime is down: one file is renamed (its bytes unchanged), one changes, one arrives.
    const aId = sim.entry(`${folder}/a.pdf`)?.id;
    const moved = await fetch(`${sim.url}/2/files/move_v2`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${sim.issueAccessToken()}` },
      body: JSON.stringify({ from_path: `${folder}/a.pdf`, to_path: `${folder}/a-renamed.pdf` }),
    });
    assert.equal(moved.status, 200, await moved.text());
    assert.equal(sim.entry(`${folder}/a-renamed.pdf`)?.id, aId, 'a rename keeps the id');
    await sim.putFile(`${folder}/b.pdf`, 'b: second version, edited in Dropbox', { mode: 'overwrite' });
    await sim.putFile(`${folder}/c.pdf`, 'c: new');
    const downloads = sim.stats().byRoute['files/download'] ?? 0;
    nodeRed = await startNodeRed(runtime, userDir, { extraSettings });
    running.push(nodeRed);
    await waitFor('the changed and the new file acked', () => acked(nodeRed.output()).length >= 2);
    await sleep(2000);
    const secondRun = acked(nodeRed.output()).sort();
    assert.deepEqual(
      secondRun.map((a) => a.split(' ')[0]),
      ['b.pdf', 'c.pdf'],
      `a.pdf unchanged is not sent again; b.pdf changed and c.pdf new, once each:\n${nodeRed.output().slice(-3000)}`,
    );
    assert.equal(secondRun[0].split(' ')[1], sim.entry(`${folder}/b.pdf`)?.content_hash, 'the new version');
    assert.ok((sim.stats().byRoute['files/download'] ?? 0) - downloads <= 2, 'nothing downloaded for a.pdf');
    // The same bytes written back over c.pdf (a copy coming back from the other system, dbx-cs-05): not sent back again.
    const rev = sim.entry(`${folder}/c.pdf`)?.rev;
    await sim.putFile(`${folder}/c.pdf`, 'c: new', { mode: 'overwrite' });
    console.log(`      (an identical overwrite ${sim.entry(`${folder}/c.pdf`)?.rev === rev ? 'kept' : 'changed'} the rev)`);
    await sleep(2000);
    assert.equal(acked(nodeRed.output()).length, 2, `nothing more sent:\n${nodeRed.output().slice(-2000)}`);
    assert.doesNotMatch(nodeRed.output(), /\[error\]/, nodeRed.output().slice(-3000));
  });
});
