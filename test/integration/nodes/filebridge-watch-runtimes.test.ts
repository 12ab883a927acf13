import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNodeRed, type RunningNodeRed } from '../../../dev/sandbox/node-red-process';
import { servers } from '../../support/dev-servers';
import { REPO_ROOT, runtimes } from '../../support/runtimes';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function localFiles(rel: string): Promise<string[]> {
  try {
    return (await readdir(servers().localPath(rel), { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(servers().localPath(rel).length + 1)).sort();
  } catch {
    return [];
  }
}

/**
 * Two real Node-RED processes (4.1 on Node 20 and 5 on Node 22) watch one SFTP folder: every file
 * is archived by exactly one of them, into that runtime's own archive folder.
 */
describe('two Node-RED runtimes watching one folder', function () {
  this.timeout(240_000);
  let work: string;
  const running: RunningNodeRed[] = [];

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'filebridge-two-runtimes-'));
  });
  after(async () => {
    await Promise.all(running.map((r) => r.stop()));
    await rm(work, { recursive: true, force: true });
  });

  it('no file is emitted twice; each runtime archives what it claimed', async () => {
    const dir = 'two-runtimes/inbox';
    await servers().remove('two-runtimes');
    await servers().mkdirp(dir);
    const s = servers();
    const all = await runtimes();
    for (const [i, runtime] of all.entries()) {
      const label = `R${i}`;
      const userDir = join(work, label);
      await mkdir(join(userDir, 'node_modules'), { recursive: true });
      await writeFile(join(userDir, 'package.json'), JSON.stringify({ name: `two-runtimes-${i}`, version: '1.0.0', private: true }));
      // Node-RED finds the palette by scanning node_modules: a link to the repository loads the built nodes.
      await symlink(REPO_ROOT, join(userDir, 'node_modules', 'node-red-contrib-ecm-filebridge'), 'dir');
      const nodeRed = await startNodeRed(runtime, userDir);
      running.push(nodeRed);
      const res = await fetch(`${nodeRed.url}/flows`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
        body: JSON.stringify([
          { id: 't1', type: 'tab', label: 'watch' },
          {
            id: 's1', type: 'filebridge-server', protocol: 'sftp', host: s.sftp.host, port: s.sftp.port, username: s.username,
            hostKey: s.sftp.hostKeyFingerprints.ed25519, connectTimeout: 10, idleTimeout: 20, keepalive: 5, poolSize: 3, connectRetries: 1,
            credentials: { password: s.password },
          },
          { id: 'w1', type: 'filebridge-watch', z: 't1', x: 100, y: 100, server: 's1', folder: dir, intervalSeconds: 0.2, stableSeconds: 0.5, maxInFlight: 20, wires: [['a1']] },
          { id: 'a1', type: 'filebridge-ack', z: 't1', x: 300, y: 100, action: 'archive', archiveTemplate: `.filebridge/archive/${label}/`, wires: [[]] },
        ]),
      });
      assert.ok(res.status === 200 || res.status === 204, `deploy to ${runtime.label}: ${res.status} ${await res.text()}`);
    }
    const contents = new Map<string, Buffer>();
    for (let i = 0; i < 300; i++) contents.set(`d${String(i).padStart(3, '0')}.bin`, randomBytes(1000 + i));
    let written = 0;
    for (const [name, data] of contents) {
      await s.writeFile(`${dir}/${name}`, data);
      if (++written % 60 === 0) await sleep(150);
    }
    const deadline = Date.now() + 90_000;
    while ((await localFiles(`${dir}/.filebridge/archive`)).length < 300) {
      if (Date.now() > deadline) throw new Error(`Only ${(await localFiles(`${dir}/.filebridge/archive`)).length} of 300 archived.\n${running.map((r) => r.output().slice(-3000)).join('\n----\n')}`);
      await sleep(200);
    }
    await sleep(1500);
    const archived = await localFiles(`${dir}/.filebridge/archive`);
    assert.equal(archived.length, 300, 'no second copy (a duplicate would be archived as name_1.bin)');
    const byRuntime = new Map<string, string[]>();
    for (const p of archived) {
      const [label, name] = p.split('/');
      byRuntime.set(label, [...(byRuntime.get(label) ?? []), name]);
      assert.deepEqual(await readFile(servers().localPath(`${dir}/.filebridge/archive/${p}`)), contents.get(name));
    }
    assert.deepEqual([...new Set(archived.map((p) => p.split('/')[1]))].sort(), [...contents.keys()].sort());
    console.log(`      (${[...byRuntime].map(([l, n]) => `${l}: ${n.length}`).join(', ')})`);
    assert.deepEqual(await localFiles(`${dir}/.filebridge/processing`), []);
    for (const r of running) assert.doesNotMatch(r.output(), /\[error\]/, r.output().slice(-3000));
  });
});
