import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, runtimes } from '../../support/runtimes';
import { installIntoUserDir, packPackage } from '../../../dev/support/packed-package';
import { startNodeRed, type RunningNodeRed } from '../../../dev/sandbox/node-red-process';
import { servers } from '../../support/dev-servers';

/*
 * The README's worked example: an integrator's script deploys a generated flow with its secrets
 * through Node-RED's admin API (POST /flows, each node's `credentials` beside its properties), under
 * adminAuth, into a real Node-RED with the packed package; the flow then logs in with that password.
 */
describe('deploying a flow with credentials through the admin API (packed package, real Node-RED 4.1)', function () {
  this.timeout(600_000);
  let work: string;
  let userDir: string;
  let nodeRed: RunningNodeRed | undefined;
  const EDITOR_PASSWORD = 'deploy-pass-3318';

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'filebridge-deploy-'));
    const { tarball } = await packPackage();
    userDir = join(work, 'user');
    await installIntoUserDir(tarball, userDir);
    const bcrypt = require(require.resolve('bcryptjs', { paths: [join(REPO_ROOT, 'node_modules', '@node-red', 'editor-api')] })) as {
      hashSync: (s: string, rounds: number) => string;
    };
    const adminAuth = `adminAuth: { type: 'credentials', users: [{ username: 'admin', password: ${JSON.stringify(bcrypt.hashSync(EDITOR_PASSWORD, 8))}, permissions: '*' }] },`;
    nodeRed = await startNodeRed((await runtimes())[0], userDir, { extraSettings: adminAuth });
  });

  after(async () => {
    await nodeRed?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function token(url: string): Promise<string> {
    const res = await fetch(`${url}/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'admin', password: EDITOR_PASSWORD }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as { access_token: string }).access_token;
  }

  /** Whether ack archived the file (default template: .filebridge/archive/{yyyy}/{MM}/{dd}/ below the watched folder). */
  async function archived(name: string): Promise<boolean> {
    for (let i = 0; i < 150; i++) {
      const d = new Date();
      const day = `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}`;
      if (await servers().exists(`deploy-creds/inbox/.filebridge/archive/${day}/${name}`)) return true;
      await new Promise((r) => setTimeout(r, 200));
    }
    return false;
  }

  it('POST /flows with a credentials object per node: the flow logs in with it, GET /flows never shows it, a later deploy without it keeps it', async () => {
    const s = servers();
    await s.startAll();
    await s.remove('deploy-creds');
    await s.mkdirp('deploy-creds/inbox');
    const url = nodeRed?.url ?? '';
    const auth = { Authorization: `Bearer ${await token(url)}` };
    const flow = (withCredentials: boolean): unknown[] => [
      { id: 't1', type: 'tab', label: 'Partner inbox' },
      {
        id: 'srv1',
        type: 'filebridge-server',
        name: 'Partner SFTP',
        protocol: 'sftp',
        host: s.sftp.host,
        port: s.sftp.port,
        username: s.username,
        hostKey: s.sftp.hostKeyFingerprints.ed25519,
        ...(withCredentials ? { credentials: { password: s.password } } : {}),
      },
      {
        id: 'w1',
        type: 'filebridge-watch',
        z: 't1',
        x: 140,
        y: 80,
        server: 'srv1',
        folder: 'deploy-creds/inbox',
        include: '*.pdf',
        intervalSeconds: 0.5,
        stableSeconds: 0.5,
        leaseSeconds: 3600,
        maxInFlight: 4,
        wires: [['a1']],
      },
      { id: 'a1', type: 'filebridge-ack', z: 't1', x: 360, y: 80, action: 'archive', archiveTemplate: '', wires: [[]] },
    ];
    const deploy = async (withCredentials: boolean): Promise<void> => {
      const res = await fetch(`${url}/flows`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json', 'Node-RED-API-Version': 'v1', 'Node-RED-Deployment-Type': 'full' },
        body: JSON.stringify(flow(withCredentials)),
      });
      assert.equal(res.status, 204, await res.text());
    };

    await deploy(true);
    await s.writeFile('deploy-creds/inbox/first.pdf', '%PDF-1.7 first');
    assert.equal(await archived('first.pdf'), true, 'the watch logged in with the deployed password and archived the file');

    const flows = await (await fetch(`${url}/flows`, { headers: { ...auth, 'Node-RED-API-Version': 'v1' } })).text();
    assert.match(flows, /"srv1"/);
    assert.doesNotMatch(flows, new RegExp(s.password), 'GET /flows never answers with the password');
    assert.doesNotMatch(await readFile(join(userDir, 'flows.json'), 'utf8'), new RegExp(s.password), 'flows.json holds no secret');
    assert.doesNotMatch(await readFile(join(userDir, 'flows_cred.json'), 'utf8'), new RegExp(s.password), 'the credentials file is encrypted');

    await deploy(false);
    await s.writeFile('deploy-creds/inbox/second.pdf', '%PDF-1.7 second');
    assert.equal(await archived('second.pdf'), true, 'a deploy without credentials keeps the stored password');
  });
});
