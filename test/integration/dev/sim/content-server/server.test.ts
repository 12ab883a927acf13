/**
 * The Content Server simulator must be as strict as the real server (shared/reference/contentserver-rest.md):
 * a client that passes here must not fail at a customer because the simulator was lax.
 * Here: the API base path and routing, authentication (server.ts) and the OTDS bearer exchange.
 */
import assert from 'node:assert/strict';
import { startContentServerSim, type ContentServerSim } from '../../../../../dev/sim/content-server';
import { call, clearFaults, fileForm, items, login, startLoggedIn } from '../../../../support/simulator-http';

describe('Content Server simulator: routing, login and OTDS', function () {
  let sim: ContentServerSim;
  let ticket: string;

  before(async function () {
    ({ sim, ticket } = await startLoggedIn());
  });
  after(async function () {
    await sim.stop();
  });
  afterEach(function () {
    clearFaults(sim);
  });

  describe('base path, ping and routing', function () {
    it('answers /v1/ping without a ticket under /otcs/cs.exe/api', async function () {
      assert.match(sim.apiBase, /\/otcs\/cs\.exe\/api$/);
      const a = await call(sim, 'GET', '/v1/ping');
      assert.equal(a.status, 200);
      assert.equal(typeof a.json?.version, 'string');
      assert.ok('build' in (a.json ?? {}) && 'href' in (a.json ?? {}));
    });

    it('answers unknown routes with 400 and the mappings registry text', async function () {
      for (const [method, path] of [
        ['GET', '/v2/nothing'],
        ['GET', '/v3/nodes/2000'],
        ['PATCH', '/v2/nodes/2000'],
      ] as const) {
        const a = await call(sim, method, path, { ticket });
        assert.equal(a.status, 400);
        assert.deepEqual(a.json, { error: 'The REST API URL could not be found in the mappings registry' });
      }
    });

    it('takes another base path when configured', async function () {
      const other = await startContentServerSim({ apiBase: '/cs/cs/api' });
      try {
        assert.match(other.apiBase, /\/cs\/cs\/api$/);
        assert.equal((await call(other, 'GET', '/v1/ping')).status, 200);
        const res = await fetch(`${other.url}/otcs/cs.exe/api/v1/ping`);
        assert.equal(res.status, 404);
      } finally {
        await other.stop();
      }
    });

    it('makes every answer 200 with statusCode under suppress_response_codes', async function () {
      const a = await call(sim, 'GET', '/v2/nodes/2000?suppress_response_codes');
      assert.equal(a.status, 200);
      assert.equal(a.json?.statusCode, 401);
      assert.equal(a.json?.error, 'Authentication Required');
    });
  });

  describe('authentication', function () {
    it('issues a ticket for Admin / livelink sent form-encoded', async function () {
      const a = await call(sim, 'POST', '/v1/auth', { form: { username: 'Admin', password: 'livelink' } });
      assert.equal(a.status, 200);
      assert.equal(typeof a.json?.ticket, 'string');
      assert.ok(String(a.json?.ticket).length >= 16);
    });

    it('refuses wrong credentials with 401 and the real text', async function () {
      const a = await call(sim, 'POST', '/v1/auth', { form: { username: 'Admin', password: 'nope' } });
      assert.equal(a.status, 401);
      assert.deepEqual(a.json, { error: 'Invalid username/password specified' });
      const b = await call(sim, 'POST', '/v1/auth', { form: { username: 'nobody', password: 'livelink' } });
      assert.equal(b.status, 401);
    });

    it('answers a missing username or password with 500 Argument ... is required', async function () {
      const a = await call(sim, 'POST', '/v1/auth', { form: { password: 'livelink' } });
      assert.equal(a.status, 500);
      assert.deepEqual(a.json, { error: 'Argument username is required' });
      const b = await call(sim, 'POST', '/v1/auth', { form: { username: 'Admin' } });
      assert.equal(b.status, 500);
      assert.deepEqual(b.json, { error: 'Argument password is required' });
      const c = await call(sim, 'POST', '/v1/auth', {});
      assert.equal(c.status, 500);
    });

    it('takes the credentials from multipart forms too', async function () {
      const fd = new FormData();
      fd.append('username', 'Admin');
      fd.append('password', 'livelink');
      const a = await call(sim, 'POST', '/v1/auth', { multipart: fd });
      assert.equal(a.status, 200, a.text);
    });

    it('rejects plain JSON request bodies with 400', async function () {
      const a = await call(sim, 'POST', '/v1/auth', { json: { username: 'Admin', password: 'livelink' } });
      assert.equal(a.status, 400);
      assert.match(String(a.json?.error), /application\/json/);
      const b = await call(sim, 'POST', '/v2/nodes', { ticket, json: { type: 0, parent_id: 2000, name: 'json-folder' } });
      assert.equal(b.status, 400);
      assert.match(String(b.json?.error), /application\/json/);
      const listing = await call(sim, 'GET', '/v2/nodes/2000/nodes?where_name=json-folder', { ticket });
      assert.equal(items(listing).length, 0);
    });

    it('requires the OTCSTicket header everywhere else (case-insensitive name)', async function () {
      const missing = await call(sim, 'GET', '/v2/nodes/2000');
      assert.equal(missing.status, 401);
      assert.deepEqual(missing.json, { error: 'Authentication Required' });
      const unknown = await call(sim, 'GET', '/v2/nodes/2000', { ticket: 'forged-ticket' });
      assert.equal(unknown.status, 401);
      assert.deepEqual(unknown.json, { error: 'Authentication Required' });
      const lower = await call(sim, 'GET', '/v2/nodes/2000', { headers: { otcsticket: ticket } });
      assert.equal(lower.status, 200);
      const upload = await call(sim, 'POST', '/v2/nodes', { multipart: fileForm({ type: '144', parent_id: '2000', name: 'x.txt' }, 'x', 'x.txt') });
      assert.equal(upload.status, 401);
    });

    it('returns a fresh ticket in the OTCSTicket response header, which works', async function () {
      const a = await call(sim, 'GET', '/v2/nodes/2000', { ticket });
      const fresh = a.headers.get('otcsticket');
      assert.ok(fresh);
      assert.notEqual(fresh, ticket);
      assert.equal((await call(sim, 'GET', '/v2/nodes/2000', { ticket: fresh })).status, 200);
      sim.setFaults({ renewTickets: false });
      const b = await call(sim, 'GET', '/v2/nodes/2000', { ticket });
      assert.equal(b.headers.get('otcsticket'), null);
    });

    it('expires tickets after ticketTtlSeconds', async function () {
      sim.setFaults({ ticketTtlSeconds: 1 });
      const short = await login(sim);
      assert.equal((await call(sim, 'GET', '/v2/nodes/2000', { ticket: short })).status, 200);
      await new Promise((r) => setTimeout(r, 1200));
      const a = await call(sim, 'GET', '/v2/nodes/2000', { ticket: short });
      assert.equal(a.status, 401);
      assert.deepEqual(a.json, { error: 'Authentication Required' });
    });

    it('expires every ticket on demand through /__sim/tickets/expire', async function () {
      const t = await login(sim);
      await fetch(`${sim.url}/__sim/tickets/expire`, { method: 'POST' });
      assert.equal((await call(sim, 'GET', '/v2/nodes/2000', { ticket: t })).status, 401);
      ticket = await login(sim);
    });

    it('GET /v1/auth names the user; DELETE /v1/auth ends the session', async function () {
      const t = await login(sim);
      const me = await call(sim, 'GET', '/v1/auth', { ticket: t });
      assert.equal(me.status, 200);
      assert.deepEqual((me.json?.data as Record<string, unknown>).name, 'Admin');
      assert.equal((me.json?.data as Record<string, unknown>).id, 1000);
      const out = await call(sim, 'DELETE', '/v1/auth', { ticket: t });
      assert.equal(out.status, 200);
      assert.equal((await call(sim, 'GET', '/v1/auth', { ticket: t })).status, 401);
    });
  });
});

describe('Content Server simulator: RM, permissions, workspaces, workflows, large files, OTDS', function () {
  let sim: ContentServerSim;

  before(async function () {
    ({ sim } = await startLoggedIn({ largeFile: { partSize: 1024 * 1024, minSize: 1 } }));
  });
  after(async function () {
    await sim.stop();
  });

  describe('OTDS bearer exchange', function () {
    it('exchanges client credentials for a bearer token, and the token for an OTCSTicket', async function () {
      const basic = Buffer.from('filebridge:filebridge-secret').toString('base64');
      const tok = await fetch(`${sim.url}/otdsws/oauth2/token`, {
        method: 'POST',
        headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });
      assert.equal(tok.status, 200);
      const { access_token: token, expires_in: expiresIn } = (await tok.json()) as { access_token: string; expires_in: number };
      assert.ok(expiresIn > 0);
      const me = await call(sim, 'GET', '/v1/auth', { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(me.status, 200, me.text);
      assert.equal((me.json?.data as { name: string }).name, 'Admin');
      const csTicket = me.headers.get('otcsticket');
      assert.ok(csTicket);
      assert.equal((await call(sim, 'GET', '/v2/nodes/2000', { ticket: csTicket })).status, 200);
      assert.equal((await call(sim, 'GET', '/v2/nodes/2000', { headers: { Authorization: `Bearer ${token}` } })).status, 401, 'only /v1/auth takes the bearer');
      const wrong = await fetch(`${sim.url}/otdsws/oauth2/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&client_id=filebridge&client_secret=nope',
      });
      assert.equal(wrong.status, 401);
      assert.equal(((await wrong.json()) as { error: string }).error, 'invalid_client');
      const badBearer = await call(sim, 'GET', '/v1/auth', { headers: { Authorization: 'Bearer forged' } });
      assert.equal(badBearer.status, 401);
    });
  });
});
