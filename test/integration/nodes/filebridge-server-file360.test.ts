/*
 * filebridge-server with protocol "file360" against the File 360 simulator: the editor's admin
 * endpoints (Test connection with the user and root folder, the folder picker for the dialog and for
 * the nodes' folder fields), the rule that stored secrets only go to the API, SSO, client and user
 * they were saved for, usableFile360 for nodes that call the client, a remote node listing, putting,
 * getting, moving and deleting documents through the server node, and no secret in status, errors
 * or the flow.
 */
import { strict as assert } from 'node:assert';
import type { NodeAPI } from 'node-red';
import helper from 'node-red-node-test-helper';
import serverNode from '../../../src/nodes/filebridge-server';
import remoteNode from '../../../src/nodes/filebridge-remote';
import { usableFile360 } from '../../../src/nodes/kit/server';
import { FileBridgeError } from '../../../src/core/errors';
import { coreNode, nodeRedPath } from '../../support/node-red-under-test';
import { Arrivals, loadFlow, onCall, startTestServer, stopTestServer } from '../../support/flow-helper';
import { startHttpTrap, type CredentialTrap } from '../../support/credential-trap';
import { useFile360Sim, type UsedFile360Sim } from '../../support/file360-sim';
import { sha } from '../../support/watch-pipeline';

helper.init(nodeRedPath());

type Answer = {
  ok: boolean;
  protocol?: string;
  server?: string;
  error?: { code: string; message: string };
  account?: { name?: string };
  user?: { id?: string; name?: string; email?: string };
  root?: { id?: string };
  folder?: unknown;
  entries?: { name: string; type: string; size?: number }[];
  parent?: { id: string };
  children?: { id: string; name: string; container: boolean }[];
};

async function post(path: string, body: Record<string, unknown>): Promise<Answer> {
  const res = await helper.request().post(path).send(body).expect(200);
  return res.body as Answer;
}

const STORED = '__PWRD__';

describe('filebridge-server with protocol file360 (File 360 simulator)', function () {
  this.timeout(60_000);
  const used = useFile360Sim();
  let trap: CredentialTrap;

  beforeEach(async () => {
    await startTestServer();
    trap = await startHttpTrap();
  });
  afterEach(async () => {
    await helper.unload();
    await stopTestServer();
    await trap.close();
  });

  const settings = (u: UsedFile360Sim = used): Record<string, unknown> => ({
    protocol: 'file360',
    apiUrl: u.sim.url,
    ssoUrl: u.sim.ssoUrl,
    clientId: u.sim.clientId,
    username: u.sim.user,
  });
  const f360Server = (fields: Record<string, unknown> = {}): Record<string, unknown> => ({
    id: 'f360',
    type: 'filebridge-server',
    ...settings(),
    poolSize: 2,
    connectRetries: 1,
    ...fields,
  });
  const creds = (): Record<string, Record<string, string>> => ({ f360: { clientSecret: used.sim.clientSecret, password: used.sim.password } });

  function noSecretIn(text: string, what: string): void {
    assert.doesNotMatch(text, new RegExp(used.sim.clientSecret), `${what} carried the client secret`);
    assert.doesNotMatch(text, new RegExp(used.sim.password), `${what} carried the password`);
  }

  it('Test connection (secrets typed) shows the user and the root folder with its entries, never a secret', async () => {
    await loadFlow([serverNode], []);
    const answer = await post('/filebridge/server/test', {
      id: 'new',
      ...settings(),
      credentials: { clientSecret: used.sim.clientSecret, password: used.sim.password },
    });
    assert.equal(answer.ok, true, JSON.stringify(answer));
    assert.equal(answer.protocol, 'file360');
    assert.equal(answer.account?.name, 'Sam Simmons');
    assert.equal(answer.user?.email, used.sim.user);
    assert.equal(answer.root?.id, used.sim.rootId, 'the root folder id, exact (above 2^53)');
    assert.equal(answer.folder, '/');
    for (const name of ['Audit', 'Exceptions', 'Marketing', 'Suppliers'])
      assert.ok(
        answer.entries?.some((e) => e.name === name && e.type === 'directory'),
        name,
      );
    noSecretIn(JSON.stringify(answer), 'the answer');
    const sub = await post('/filebridge/server/test', {
      id: 'new',
      ...settings(),
      folder: 'Suppliers/ACME',
      credentials: { clientSecret: used.sim.clientSecret, password: used.sim.password },
    });
    assert.deepEqual(
      sub.entries?.map((e) => e.name),
      ['Price List 2026.csv'],
    );
  });

  it('Test connection with the stored secrets of the deployed configuration (same settings); a wrong secret is AUTHENTICATION without echoing it', async () => {
    await loadFlow([serverNode], [f360Server()], creds());
    const answer = await post('/filebridge/server/test', { id: 'f360', ...settings(), credentials: { clientSecret: STORED, password: STORED } });
    assert.equal(answer.ok, true, JSON.stringify(answer));
    assert.equal(answer.account?.name, 'Sam Simmons');
    noSecretIn(JSON.stringify(answer), 'the answer');
    // The URLs written differently (a trailing slash) are the same service.
    const same = await post('/filebridge/server/test', {
      id: 'f360',
      ...settings(),
      apiUrl: `${used.sim.url}/`,
      credentials: { clientSecret: STORED, password: STORED },
    });
    assert.equal(same.ok, true, JSON.stringify(same));
    const wrong = await post('/filebridge/server/test', {
      id: 'new',
      ...settings(),
      credentials: { clientSecret: 'not-the-secret-9911', password: used.sim.password },
    });
    assert.equal(wrong.ok, false);
    assert.equal(wrong.error?.code, 'AUTHENTICATION', JSON.stringify(wrong));
    assert.doesNotMatch(JSON.stringify(wrong), /not-the-secret-9911/);
  });

  it('stored secrets are never sent to another API or SSO host, another client id or user: refused before any request', async () => {
    await loadFlow([serverNode], [f360Server()], creds());
    const elsewhere = `http://${trap.host}:${trap.port}`;
    for (const changed of [
      { ssoUrl: elsewhere },
      { apiUrl: elsewhere },
      { apiUrl: elsewhere, ssoUrl: elsewhere },
      { clientId: 'other-client' },
      { username: 'other@example.com' },
    ]) {
      const answer = await post('/filebridge/server/test', { id: 'f360', ...settings(), ...changed, credentials: { clientSecret: STORED, password: STORED } });
      assert.equal(answer.ok, false, JSON.stringify(changed));
      assert.equal(answer.error?.code, 'INVALID_INPUT', JSON.stringify(answer));
      assert.match(answer.error?.message ?? '', /type the client secret and password again/);
      // Leaving the secrets out is no way around it: nothing stored is used.
      const left = await post('/filebridge/server/test', { id: 'f360', ...settings(), ...changed, credentials: {} });
      assert.equal(left.ok, false);
      assert.match(left.error?.message ?? '', /no "Client secret"/);
      // The picker follows the same rule.
      const browse = await post('/filebridge/server/file360/browse', {
        id: 'f360',
        ...settings(),
        ...changed,
        credentials: { clientSecret: STORED, password: STORED },
      });
      assert.equal(browse.ok, false);
    }
    assert.equal(trap.connections, 0, `the trap was contacted: ${trap.received.join(' | ')}`);
    assert.equal(trap.saw(used.sim.clientSecret), false);
    assert.equal(trap.saw(used.sim.password), false);
  });

  it('the folder picker: from the dialog (its settings) and from a node field (the deployed configuration by id), folders by name', async () => {
    await loadFlow([serverNode], [f360Server()], creds());
    const root = await post('/filebridge/server/file360/browse', {
      id: 'f360',
      ...settings(),
      folder: '',
      credentials: { clientSecret: STORED, password: STORED },
    });
    assert.equal(root.ok, true, JSON.stringify(root));
    assert.deepEqual(root.folder, { id: '/', path: '/' });
    assert.equal(root.parent, undefined);
    assert.ok(root.children?.some((c) => c.name === 'Suppliers' && c.container && c.id === '/Suppliers'));
    // A node's folder field asks with the server id only: the deployed configuration's client is used.
    const acme = await post('/filebridge/server/file360/browse', { id: 'f360', folder: '/Suppliers/ACME' });
    assert.equal(acme.ok, true, JSON.stringify(acme));
    assert.deepEqual(acme.folder, { id: '/Suppliers/ACME', path: '/Suppliers/ACME' });
    assert.deepEqual(acme.parent, { id: '/Suppliers' });
    assert.deepEqual(acme.children, [{ id: '/Suppliers/ACME/Price List 2026.csv', name: 'Price List 2026.csv', container: false }]);
    const missing = await post('/filebridge/server/file360/browse', { id: 'f360', folder: '/suppliers' });
    assert.equal(missing.ok, false);
    assert.equal(missing.error?.code, 'NOT_FOUND', 'names match exactly');
    const notF360 = await post('/filebridge/server/file360/browse', { id: 'nope', folder: '/' });
    assert.equal(notF360.ok, false);
    assert.match(notF360.error?.message ?? '', /deploy it first/);
  });

  it("usableFile360 gives the deployed configuration's one client; other servers and unknown ids are INVALID_INPUT saying what to pick", async () => {
    await loadFlow(
      [serverNode],
      [f360Server(), { id: 'partner', type: 'filebridge-server', protocol: 'sftp', host: '127.0.0.1', port: 2222, username: 'u', hostKey: 'SHA256:x' }],
      { ...creds(), partner: { password: 'p' } },
    );
    const RED = { nodes: { getNode: (id: string) => helper.getNode(id) } } as unknown as NodeAPI;
    const usable = usableFile360(RED, 'f360', 'no such');
    assert.equal(usable.endpoint.protocol, 'file360');
    assert.equal((await usable.client.me()).rootId, used.sim.rootId);
    assert.equal(usableFile360(RED, 'f360', 'no such').client, usable.client, 'one client per configuration');
    const refused = (id: string | undefined, pattern: RegExp): void => {
      assert.throws(
        () => usableFile360(RED, id, 'Pick a File 360 server in the node.'),
        (e: unknown) => e instanceof FileBridgeError && e.code === 'INVALID_INPUT' && pattern.test(e.message),
      );
    };
    refused('partner', /is a sftp server, not a File 360 connection/);
    refused('missing', /Pick a File 360 server in the node/);
    refused(undefined, /Pick a File 360 server in the node/);
  });

  it('a broken configuration: its error names the field; status, errors and the flow never carry a secret', async () => {
    await loadFlow(
      [serverNode, remoteNode, coreNode('common/25-catch.js')],
      [
        { id: 'tab', type: 'tab', label: 'f360' },
        f360Server({ clientId: '' }),
        { id: 'remote', z: 'tab', x: 100, y: 100, type: 'filebridge-remote', server: 'f360', operation: 'list', path: '/', pathType: 'str', wires: [['out']] },
        { id: 'out', z: 'tab', x: 300, y: 100, type: 'helper' },
        { id: 'catch', z: 'tab', x: 100, y: 200, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', z: 'tab', x: 300, y: 200, type: 'helper' },
      ],
      creds(),
    );
    const RED = { nodes: { getNode: (id: string) => helper.getNode(id) } } as unknown as NodeAPI;
    assert.throws(
      () => usableFile360(RED, 'f360', 'x'),
      (e: unknown) => e instanceof FileBridgeError && e.code === 'INVALID_INPUT' && /"Client id"/.test(e.message),
    );
    const statuses: unknown[] = [];
    onCall<unknown>('remote', 'status', (c) => statuses.push(c.args[0]));
    const arrivals = new Arrivals<{ error?: { code?: string; message?: string } }>(['out', 'caught']);
    helper.getNode('remote').receive({});
    const got = await arrivals.next();
    assert.equal(got.id, 'caught');
    assert.equal(got.msg.error?.code, 'INVALID_INPUT');
    noSecretIn(JSON.stringify(got.msg), 'the error message');
    noSecretIn(JSON.stringify(statuses), 'the status');
    noSecretIn(JSON.stringify(helper.log().args), 'the log');
    // The flow as the runtime keeps it: secrets only in the credential store.
    const flows = (helper as unknown as { _redNodes: { getFlows(): unknown } })._redNodes.getFlows();
    noSecretIn(JSON.stringify(flows), 'the flow JSON');
  });

  it('a filebridge-remote node lists, puts, gets, moves and deletes File 360 documents through the server node', async () => {
    const top = `Remote-${Date.now()}`;
    await loadFlow(
      [serverNode, remoteNode, coreNode('common/25-catch.js')],
      [
        { id: 'tab', type: 'tab', label: 'f360' },
        f360Server(),
        {
          id: 'remote',
          z: 'tab',
          x: 100,
          y: 100,
          type: 'filebridge-remote',
          server: 'f360',
          operation: 'list',
          path: '',
          pathType: 'str',
          output: 'buffer',
          conflict: 'overwrite',
          wires: [['out']],
        },
        { id: 'out', z: 'tab', x: 300, y: 100, type: 'helper' },
        { id: 'catch', z: 'tab', x: 100, y: 200, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', z: 'tab', x: 300, y: 200, type: 'helper' },
      ],
      creds(),
    );
    type Msg = { payload?: unknown; filename?: string; error?: { code?: string; message?: string }; filebridge?: Record<string, Record<string, unknown>> };
    const arrivals = new Arrivals<Msg>(['out', 'caught']);
    const exchange = async (msg: Record<string, unknown>, expect: 'out' | 'caught' = 'out'): Promise<Msg> => {
      helper.getNode('remote').receive(msg);
      const got = await arrivals.next();
      assert.equal(got.id, expect, JSON.stringify(got.msg.error));
      return got.msg;
    };
    const statuses: unknown[] = [];
    onCall<unknown>('remote', 'status', (c) => statuses.push(c.args[0]));
    const body = Buffer.from('Order 4711 for ACME\n', 'utf8');
    const put = await exchange({ operation: 'put', path: `/${top}/outbox/`, payload: body, filename: 'order.txt' });
    assert.equal(put.filebridge?.put.path, `/${top}/outbox/order.txt`);
    const doc = used.sim.documentAt(`/${top}/outbox/order.txt`);
    assert.equal(doc?.sha256, sha(body));
    assert.ok(!used.sim.state().documents.some((d) => d.path.startsWith(`/${top}/`) && d.name !== 'order.txt'), 'no temporary document');
    // Written again (the node's conflict policy: overwrite): the same document, new bytes.
    const v2 = Buffer.from('Order 4711 for ACME, corrected\n');
    await exchange({ operation: 'put', path: `/${top}/outbox/order.txt`, payload: v2 });
    assert.equal(used.sim.documentAt(`/${top}/outbox/order.txt`)?.id, doc?.id);
    const list = await exchange({ operation: 'list', path: `/${top}/outbox` });
    assert.deepEqual(
      (list.payload as { name: string; size: number }[]).map((e) => [e.name, e.size]),
      [['order.txt', v2.length]],
    );
    const got = await exchange({ operation: 'get', path: `/${top}/outbox/order.txt` });
    assert.deepEqual(got.payload, v2);
    assert.equal(got.filename, 'order.txt');
    await exchange({ operation: 'move', path: `/${top}/outbox/order.txt`, destination: `/${top}/sent/2026/order.txt` });
    assert.equal(used.sim.documentAt(`/${top}/sent/2026/order.txt`)?.id, doc?.id, 'moved, same document');
    const renamed = await exchange({ operation: 'move', path: `/${top}/sent/2026/order.txt`, destination: `/${top}/sent/2026/order-done.txt` }, 'caught');
    assert.equal(renamed.error?.code, 'INVALID_INPUT');
    assert.match(renamed.error?.message ?? '', /only moves documents between folders/);
    await exchange({ operation: 'delete', path: `/${top}/sent/2026/order.txt` });
    assert.equal(used.sim.documentAt(`/${top}/sent/2026/order.txt`), undefined);
    const gone = await exchange({ operation: 'get', path: `/${top}/sent/2026/order.txt` }, 'caught');
    assert.equal(gone.error?.code, 'NOT_FOUND');
    noSecretIn(JSON.stringify(statuses), 'the status');
  });
});
