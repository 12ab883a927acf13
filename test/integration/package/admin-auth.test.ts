import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { REPO_ROOT, runtimes, Runtime } from '../../support/runtimes';
import { installIntoUserDir, packPackage } from '../../../dev/support/packed-package';
import { startNodeRed } from '../../../dev/sandbox/node-red-process';
import { waitFor } from '../../support/watch-pipeline';
import { startContentServerSim, type ContentServerSim } from '../../../dev/sim/content-server';
import { ContentServerClient } from '../../../src/core/content-server';

/*
 * The admin endpoints act with a deployed node's stored credentials (test a connection, browse the
 * Content Server), so with the editor's own login (adminAuth) they must refuse anyone who is not
 * logged in or may only read flows, and even for an editor never answer with a secret.
 */
describe('admin endpoints under adminAuth (packed package, real Node-RED)', function () {
  this.timeout(600_000);
  let work: string;
  let userDir: string;
  let all: Runtime[];
  let sim: ContentServerSim;
  const CS_PASSWORD = 'livelink';
  const SERVER_PASSWORD = 'sftp-pass-5772';
  const USERS = { admin: 'editor-pass-8841', viewer: 'viewer-pass-9902' };

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'filebridge-auth-'));
    const { tarball } = await packPackage();
    userDir = join(work, 'user');
    await installIntoUserDir(tarball, userDir);
    all = await runtimes();
    sim = await startContentServerSim({ port: 0 });
    const client = new ContentServerClient({ baseUrl: sim.apiBase, auth: { kind: 'password', username: 'Admin', password: CS_PASSWORD } });
    await client.upload({ target: 'Enterprise:Partners/ACME', name: 'Auth sample.pdf', open: () => Readable.from([Buffer.from('sample')]) });
    await client.close();
  });

  after(async () => {
    if (sim) await sim.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** adminAuth with an editor and a read-only user, as Node-RED's settings.js documents it. */
  function adminAuthSettings(): string {
    // bcryptjs is Node-RED's own dependency (it checks these hashes), so this is the hash it expects.
    const bcrypt = require(require.resolve('bcryptjs', { paths: [join(REPO_ROOT, 'node_modules', '@node-red', 'editor-api')] })) as {
      hashSync: (s: string, rounds: number) => string;
    };
    return `adminAuth: { type: 'credentials', users: [
      { username: 'admin', password: ${JSON.stringify(bcrypt.hashSync(USERS.admin, 8))}, permissions: '*' },
      { username: 'viewer', password: ${JSON.stringify(bcrypt.hashSync(USERS.viewer, 8))}, permissions: 'read' },
    ] },`;
  }

  async function tokenFor(url: string, user: keyof typeof USERS): Promise<string> {
    const res = await fetch(`${url}/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: 'node-red-editor',
        grant_type: 'password',
        scope: user === 'admin' ? '*' : 'read',
        username: user,
        password: USERS[user],
      }),
    });
    const text = await res.text();
    assert.equal(res.status, 200, `login of ${user} answered ${res.status}: ${text}`);
    return (JSON.parse(text) as { access_token: string }).access_token;
  }

  for (const index of [0, 1]) {
    it(`refuses the filebridge admin endpoints without write permission and never answers with a secret (${index === 0 ? 'Node-RED 4.1' : 'Node-RED 5'})`, async () => {
      const nodeRed = await startNodeRed(all[index], userDir, { extraSettings: adminAuthSettings() });
      try {
        const admin = await tokenFor(nodeRed.url, 'admin');
        const viewer = await tokenFor(nodeRed.url, 'viewer');
        const auth = (token?: string): Record<string, string> => (token ? { Authorization: `Bearer ${token}` } : {});
        const get = (path: string, token?: string): Promise<Response> => fetch(`${nodeRed.url}${path}`, { headers: auth(token) });
        const post = (path: string, body: unknown, token?: string, headers: Record<string, string> = {}): Promise<Response> =>
          fetch(`${nodeRed.url}${path}`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', ...auth(token), ...headers },
            body: JSON.stringify(body),
          });

        const startedBefore = nodeRed.output().split('Started flows').length;
        const deployed = await post(
          '/flows',
          [
            { id: 'tab1', type: 'tab', label: 'auth' },
            // Port 1 refuses at once: the test is about who may ask, not about the server.
            {
              id: 's1',
              type: 'filebridge-server',
              protocol: 'sftp',
              host: '127.0.0.1',
              port: '1',
              username: 'nobody',
              credentials: { password: SERVER_PASSWORD },
            },
            {
              id: 'c1',
              type: 'filebridge-cs-connection',
              baseUrl: sim.apiBase,
              authMode: 'password',
              username: 'Admin',
              credentials: { password: CS_PASSWORD },
            },
            { id: 'm1', type: 'filebridge-map-metadata', z: 'tab1', x: 100, y: 100, wires: [[]] },
          ],
          admin,
          { 'Node-RED-Deployment-Type': 'full' },
        );
        const deployText = await deployed.text();
        assert.ok(deployed.status === 200 || deployed.status === 204, `deploy answered ${deployed.status}: ${deployText}`);
        // POST /flows answers before the new nodes run (@node-red/runtime lib/flows/index.js setFlows:
        // "Return the new revision asynchronously to the actual start"; in CI the server test once found
        // no deployed s1 and said "deploy first"): the endpoints below ask the deployed nodes.
        await waitFor('the deployed flows to start', () => nodeRed.output().split('Started flows').length > startedBefore, 30_000);
        // The viewer's token is valid: it may read the flows, so the refusals below are about permission.
        assert.equal((await get('/flows', viewer)).status, 200);
        assert.equal((await get('/flows')).status, 401);

        const endpoints: [string, object][] = [
          ['/filebridge/server/test', { id: 's1', protocol: 'sftp', host: '127.0.0.1', port: '1', username: 'nobody', credentials: { password: '__PWRD__' } }],
          ['/filebridge/cs/test', { id: 'c1' }],
          ['/filebridge/cs/browse', { id: 'c1', folder: 'Enterprise:Partners/ACME' }],
          ['/filebridge/cs/categories', { id: 'c1' }],
          ['/filebridge/map-metadata/preview', { id: 'm1', sample: 'INV-2026-0042.pdf' }],
        ];
        const answers: Record<string, { ok: boolean; error?: { code: string } } & Record<string, unknown>> = {};
        for (const [path, body] of endpoints) {
          assert.equal((await post(path, body)).status, 401, `${path} answered a request without a login`);
          assert.equal((await post(path, body, viewer)).status, 401, `${path} answered a read-only user`);
          const res = await post(path, body, admin);
          assert.equal(res.status, 200, `${path} refused the editor: ${res.status}`);
          const text = await res.text();
          for (const secret of [CS_PASSWORD, SERVER_PASSWORD, ...Object.values(USERS)]) {
            assert.ok(!text.includes(secret), `${path} answered with a secret`);
          }
          answers[path] = JSON.parse(text) as (typeof answers)[string];
        }
        // The editor's calls really reached the servers with the stored credentials.
        assert.equal(answers['/filebridge/cs/test'].ok, true, JSON.stringify(answers['/filebridge/cs/test']));
        const browsed = answers['/filebridge/cs/browse'] as { ok: boolean; children?: { name: string }[] };
        assert.ok(
          browsed.children?.some((c) => c.name === 'Auth sample.pdf'),
          JSON.stringify(browsed),
        );
        assert.equal(answers['/filebridge/server/test'].ok, false);
        assert.equal(answers['/filebridge/server/test'].error?.code, 'CONNECTION', JSON.stringify(answers['/filebridge/server/test']));
        assert.ok(!nodeRed.output().includes(CS_PASSWORD) && !nodeRed.output().includes(SERVER_PASSWORD), 'a credential is in the log');
      } finally {
        await nodeRed.stop();
      }
    });
  }
});
