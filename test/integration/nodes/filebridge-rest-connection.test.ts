/*
 * filebridge-rest-connection: every auth mode reaches the REST simulator through a rest request node
 * (the simulator counts which mode it saw), a broken configuration shows at deploy, and the dialog's
 * "Test connection" endpoint (POST /filebridge/rest/test): typed secrets, stored secrets only while
 * the scope (base URL, token URL, auth type, user, client id...) is the deployed one, a refused
 * sign-in reported as AUTHENTICATION, and no secret in any answer or in the flow JSON.
 */
import { strict as assert } from 'node:assert';
import helper from 'node-red-node-test-helper';
import restRequestNode from '../../../src/nodes/filebridge-rest-request';
import restConnectionNode from '../../../src/nodes/filebridge-rest-connection';
import { UNCHANGED_SECRET } from '../../../src/nodes/kit/credentials';
import type { RestFacts } from '../../../src/core/rest/request-run';
import { coreNode, nodeRedPath } from '../../support/node-red-under-test';
import { Arrivals, loadFlow, onCall, startTestServer, stopTestServer } from '../../support/flow-helper';
import { startHttpTrap } from '../../support/credential-trap';
import { useRestSim } from '../../support/rest-sim';
import { restConnectionCredentials, restConnectionNode as connectionFields, restSimSecrets, type RestSimAuth } from '../../support/rest-connection-node';

helper.init(nodeRedPath());

const NODES: unknown[] = [restConnectionNode, restRequestNode, coreNode('common/25-catch.js')];

type Msg = Record<string, unknown> & { payload?: unknown; error?: { code?: string; message: string }; filebridge?: { rest?: RestFacts } };
type TestAnswer = { ok: boolean; status?: number; ms?: number; authenticated?: boolean; url?: string; error?: { code: string; message: string } };

describe('filebridge-rest-connection', function () {
  this.timeout(60_000);
  const used = useRestSim();

  before(async () => {
    await startTestServer();
  });
  after(async () => {
    await stopTestServer();
  });
  afterEach(async () => {
    await helper.unload();
  });

  async function load(auth: RestSimAuth, conn: Record<string, unknown> = {}, credentials?: Record<string, string>): Promise<Arrivals<Msg>> {
    await loadFlow(
      NODES,
      [
        { id: 'tab', type: 'tab', label: 'rest connection' },
        connectionFields(used.sim, auth, conn),
        {
          id: 'req',
          z: 'tab',
          x: 100,
          y: 100,
          type: 'filebridge-rest-request',
          connection: 'conn',
          method: 'GET',
          path: '/ping',
          body: 'none',
          response: 'json',
          emit: 'one',
          wires: [['out']],
        },
        { id: 'out', z: 'tab', x: 200, y: 100, type: 'helper' },
        { id: 'catch', z: 'tab', x: 300, y: 100, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', z: 'tab', x: 400, y: 100, type: 'helper' },
      ],
      { conn: credentials ?? restConnectionCredentials(used.sim, auth) },
    );
    return new Arrivals<Msg>(['out', 'caught']);
  }

  async function post(body: Record<string, unknown>): Promise<TestAnswer> {
    const res = await helper.request().post('/filebridge/rest/test').send(body).expect(200);
    return res.body as TestAnswer;
  }

  for (const [auth, mode] of [
    ['basic', 'basic'],
    ['bearer', 'bearer'],
    ['apiKeyHeader', 'apiKeyHeader'],
    ['apiKeyQuery', 'apiKeyQuery'],
    ['oauth2', 'oauth'],
  ] as const) {
    it(`auth ${auth}: a rest request reaches the simulator signed in that way`, async () => {
      const arrivals = await load(auth);
      const before = used.sim.stats().authModes[mode];
      helper.getNode('req').receive({} as never);
      const { id, msg } = await arrivals.next();
      assert.equal(id, 'out', JSON.stringify(msg.error));
      assert.deepEqual(msg.payload, { ok: true });
      assert.equal(used.sim.stats().authModes[mode], before + 1);
      assert.ok(!restSimSecrets(used.sim).some((s) => JSON.stringify(msg).includes(s)));
    });
  }

  it('OAuth2: one token serves many requests; an expired token is renewed once and the call goes through', async () => {
    const arrivals = await load('oauth2');
    const issued = used.sim.stats().tokensIssued;
    for (let i = 0; i < 3; i++) {
      helper.getNode('req').receive({} as never);
      assert.equal((await arrivals.next()).id, 'out');
    }
    assert.equal(used.sim.stats().tokensIssued - issued, 1, 'one token for three calls');
    used.sim.expireTokens();
    helper.getNode('req').receive({} as never);
    assert.equal((await arrivals.next()).id, 'out');
    assert.equal(used.sim.stats().tokensIssued - issued, 2, 'renewed once');
  });

  it('a broken configuration (no base URL) shows on the node at deploy and fails messages with INVALID_INPUT', async () => {
    const statuses: string[] = [];
    const arrivals = await load('basic', { baseUrl: '' });
    onCall<{ text?: string }>('req', 'status', (call) => statuses.push(String(call.args[0]?.text ?? '')));
    helper.getNode('req').receive({} as never);
    const { id, msg } = await arrivals.next();
    assert.equal(id, 'caught');
    assert.equal(msg.error?.code, 'INVALID_INPUT');
    assert.match(msg.error?.message ?? '', /Base URL|base URL/i);
  });

  it('Test connection with the secret typed in the dialog: ok, HTTP 200; a wrong secret: AUTHENTICATION; nothing secret in the answers', async () => {
    const fields = connectionFields(used.sim, 'basic');
    const ok = await post({ ...fields, id: 'not-deployed', credentials: { password: used.sim.password } });
    assert.equal(ok.ok, true, JSON.stringify(ok));
    assert.equal(ok.status, 200);
    assert.equal(ok.authenticated, true);
    assert.equal(ok.url, `${used.sim.apiUrl}/ping`);
    const wrong = await post({ ...fields, id: 'not-deployed', credentials: { password: 'wrong' } });
    assert.equal(wrong.ok, false);
    assert.equal(wrong.error?.code, 'AUTHENTICATION');
    const key = await post({ ...connectionFields(used.sim, 'apiKeyQuery'), credentials: { apiKey: used.sim.apiKey } });
    assert.equal(key.ok, true, JSON.stringify(key));
    for (const answer of [ok, wrong, key]) assert.ok(!restSimSecrets(used.sim).some((s) => JSON.stringify(answer).includes(s)), JSON.stringify(answer));
  });

  it('Test connection reuses the stored secret only with the deployed scope; another base URL gets nothing sent and is told to type it', async () => {
    await load('oauth2');
    const fields = connectionFields(used.sim, 'oauth2');
    const same = await post({ ...fields, id: 'conn', credentials: { clientSecret: UNCHANGED_SECRET } });
    assert.equal(same.ok, true, JSON.stringify(same));
    assert.equal(same.status, 200);

    const trap = await startHttpTrap();
    try {
      for (const changed of [
        { baseUrl: `http://${trap.host}:${trap.port}/api/v1` },
        { tokenUrl: `http://${trap.host}:${trap.port}/oauth/token` },
        { clientId: 'someone-else' },
      ]) {
        const answer = await post({ ...fields, ...changed, id: 'conn', credentials: { clientSecret: UNCHANGED_SECRET } });
        assert.equal(answer.ok, false, JSON.stringify(changed));
        assert.equal(answer.error?.code, 'INVALID_INPUT');
        assert.match(answer.error?.message ?? '', /client secret/);
      }
      assert.equal(trap.received.length, 0, `the trap saw: ${trap.received.join('\n')}`);
      // A node of another type never lends its secrets either.
      const other = await post({ ...fields, id: 'req', credentials: { clientSecret: UNCHANGED_SECRET } });
      assert.equal(other.ok, false);
    } finally {
      await trap.close();
    }
  });

  it('Test connection by the id of a deployed connection alone uses its own settings; an undeployed id or another node type is refused', async () => {
    await load('apiKeyHeader');
    const before = used.sim.stats().authModes.apiKeyHeader;
    const byId = await post({ id: 'conn', testPath: '/ping' });
    assert.equal(byId.ok, true, JSON.stringify(byId));
    assert.equal(byId.status, 200);
    assert.equal(used.sim.stats().authModes.apiKeyHeader, before + 1);
    for (const id of ['nope', 'req']) {
      const refused = await post({ id });
      assert.equal(refused.ok, false);
      assert.equal(refused.error?.code, 'INVALID_INPUT');
    }
  });

  it('the flow JSON holds no secret: credentials stay apart', async () => {
    await load('oauth2');
    const flows = JSON.stringify((helper as unknown as { _redNodes: { getFlows(): unknown } })._redNodes.getFlows());
    assert.ok(flows.includes(used.sim.clientId), 'the flow was read');
    assert.ok(!restSimSecrets(used.sim).some((s) => flows.includes(s)), 'a secret is in the flow JSON');
  });
});
