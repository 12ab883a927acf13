import { strict as assert } from 'node:assert';
import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runtimes, Runtime } from '../../support/runtimes';
import { installIntoUserDir, packPackage } from '../../../dev/support/packed-package';
import { servers } from '../../support/dev-servers';
import { startNodeRed, type RunningNodeRed } from '../../../dev/sandbox/node-red-process';
import { startSshd, type SshdServer, type TestUser } from '../../../dev/servers';

/*
 * "Trust on first use" must not turn into "trust on first use after every restart": the learned
 * SFTP host key has to outlive the Node-RED process. Shown with the packed package in a real
 * Node-RED, restarted, against real sshd servers whose host keys differ.
 */
describe('trust on first use across a Node-RED restart (packed package, real Node-RED, real sshd)', function () {
  this.timeout(600_000);
  let work: string;
  let userDir: string;
  let all: Runtime[];
  const PASSWORD_MARK = (): string => servers().password;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'filebridge-tofu-'));
    // sshd's test user walks through here to the extra servers' files.
    await chmod(work, 0o755);
    const { tarball } = await packPackage();
    // One install serves every run: each test deploys its own flow and has its own context folder.
    userDir = join(work, 'user');
    await installIntoUserDir(tarball, userDir);
    all = await runtimes();
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** The run's test account, so extra sshd instances log in the same user. */
  async function devUser(): Promise<TestUser> {
    const s = servers();
    const home = await stat(s.root);
    return { name: s.username, uid: home.uid, gid: home.gid, home: s.root, password: s.password, managed: false, release: async () => undefined };
  }

  /** One server config with trust on first use, listed through http in -> remote -> http response (errors via Catch). */
  function tofuFlow(port: number): Record<string, unknown>[] {
    const s = servers();
    return [
      { id: 'tab', type: 'tab', label: 'tofu' },
      {
        id: 'srv',
        type: 'filebridge-server',
        protocol: 'sftp',
        host: '127.0.0.1',
        port: String(port),
        username: s.username,
        hostKey: '',
        trustOnFirstUse: true,
        connectRetries: '0',
        credentials: { password: s.password },
      },
      { id: 'in', type: 'http in', z: 'tab', x: 100, y: 100, url: '/tofu-list', method: 'post', wires: [['remote']] },
      { id: 'remote', type: 'filebridge-remote', z: 'tab', x: 300, y: 100, server: 'srv', operation: 'list', path: '.', pathType: 'str', wires: [['ok']] },
      {
        id: 'ok',
        type: 'change',
        z: 'tab',
        x: 500,
        y: 100,
        rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '{"ok":true}', tot: 'json' }],
        wires: [['out']],
      },
      { id: 'catch', type: 'catch', z: 'tab', x: 100, y: 200, scope: ['remote'], uncaught: false, wires: [['failed']] },
      {
        id: 'failed',
        type: 'change',
        z: 'tab',
        x: 300,
        y: 200,
        rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'error', tot: 'msg' }],
        wires: [['out']],
      },
      { id: 'out', type: 'http response', z: 'tab', x: 700, y: 150, statusCode: '', headers: {}, wires: [] },
    ];
  }

  async function deploy(nodeRed: RunningNodeRed, flow: Record<string, unknown>[]): Promise<void> {
    const res = await fetch(`${nodeRed.url}/flows`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify(flow),
    });
    assert.ok(res.status === 200 || res.status === 204, `deploy answered ${res.status}: ${await res.text()}`);
  }

  type Answer = { ok?: boolean; code?: string; message?: string };

  async function list(nodeRed: RunningNodeRed): Promise<Answer> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const res = await fetch(`${nodeRed.url}/tofu-list`, { method: 'POST' });
      // Until the flow has started the route does not exist yet.
      if (res.status !== 404 || Date.now() > deadline) {
        const text = await res.text();
        assert.equal(res.status, 200, `${res.status}: ${text}\n${nodeRed.output()}`);
        return JSON.parse(text) as Answer;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Every file under `dir`, read as text. */
  async function allText(dir: string): Promise<string> {
    let text = '';
    for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
      if (entry.isFile()) text += await readFile(join(entry.parentPath, entry.name), 'utf8');
    }
    return text;
  }

  const persistentStore = (dir: string): string => `contextStorage: { default: { module: 'localfilesystem', config: { dir: ${JSON.stringify(dir)} } } },`;

  for (const index of [0, 1]) {
    const label = index === 0 ? 'Node-RED 4.1' : 'Node-RED 5';

    it(`${label}: with context in memory only, trust on first use is refused before connecting, with what to do`, async () => {
      const sshd = await startSshd({ user: await devUser(), dir: await mkdtemp(join(work, 'sshd-')) });
      const nodeRed = await startNodeRed(all[index], userDir);
      try {
        await deploy(nodeRed, tofuFlow(sshd.port));
        const answer = await list(nodeRed);
        assert.equal(answer.ok, undefined, `the listing went through: ${JSON.stringify(answer)}`);
        assert.equal(answer.code, 'INVALID_INPUT', JSON.stringify(answer));
        assert.match(answer.message ?? '', /context store that survives a restart/);
        assert.doesNotMatch(nodeRed.output(), /Trusting .* on first use/);
        assert.ok(!nodeRed.output().includes(PASSWORD_MARK()), 'the password is in the log');
      } finally {
        await nodeRed.stop();
        await sshd.dispose();
      }
    });

    it(`${label}: with a persistent context store the key learned on first use is kept; after a restart another key is refused`, async () => {
      const contextDir = join(work, `context-${index}`);
      const user = await devUser();
      const first: SshdServer = await startSshd({ user, dir: await mkdtemp(join(work, 'sshd-')) });
      let second: SshdServer | undefined;
      let nodeRed = await startNodeRed(all[index], userDir, { extraSettings: persistentStore(contextDir) });
      try {
        await deploy(nodeRed, tofuFlow(first.port));
        assert.deepEqual(await list(nodeRed), { ok: true });
        const learned = first.hostKeyFingerprints.ed25519;
        assert.match(nodeRed.output(), new RegExp(`Trusting .* on first use with host key ${learned.replace(/[+/]/g, '\\$&')}`));
        // Still the same server: a second run connects without learning again.
        await nodeRed.stop();
        nodeRed = await startNodeRed(all[index], userDir, { extraSettings: persistentStore(contextDir) });
        assert.deepEqual(await list(nodeRed), { ok: true });
        assert.doesNotMatch(nodeRed.output(), /Trusting .* on first use/);
        assert.ok((await allText(contextDir)).includes(learned), 'the learned key is not in the context store files');
        await nodeRed.stop();

        // Another server with other keys answers on the same address, and Node-RED restarts.
        const port = first.port;
        await first.dispose();
        second = await startSshd({ user, port, dir: await mkdtemp(join(work, 'sshd-')) });
        assert.notEqual(second.hostKeyFingerprints.ed25519, learned);
        nodeRed = await startNodeRed(all[index], userDir, { extraSettings: persistentStore(contextDir) });
        const refused = await list(nodeRed);
        assert.equal(refused.code, 'HOST_KEY_MISMATCH', JSON.stringify(refused));
        assert.ok(refused.message?.includes(second.hostKeyFingerprints.ed25519), refused.message);
        assert.ok(refused.message?.includes(learned), refused.message);
        assert.doesNotMatch(nodeRed.output(), /Trusting .* on first use/);
        assert.ok(!nodeRed.output().includes(PASSWORD_MARK()), 'the password is in the log');
      } finally {
        await nodeRed.stop();
        await first.dispose();
        await second?.dispose();
      }
    });
  }
});
