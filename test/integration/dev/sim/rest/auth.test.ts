/**
 * Authentication (auth.ts): each mode the contract names is taken and counted in stats().authModes,
 * a wrong credential of each kind is a 401 problem with WWW-Authenticate, and the OAuth2 client
 * credentials token endpoint (Basic or form client auth, scope, expiry, RFC 6749 errors).
 */
import assert from 'node:assert/strict';
import { basicHeader, oauthToken, restCall, tokenRequest, useRestSim, type RestAuthChoice } from '../../../../support/rest-sim';

describe('REST simulator: authentication', function () {
  const used = useRestSim();
  const ping = (auth: RestAuthChoice) => restCall(used.sim, 'GET', '/api/v1/ping', { auth });

  for (const mode of ['basic', 'bearer', 'apiKeyHeader', 'apiKeyQuery'] as const) {
    it(`takes ${mode} and counts it as ${mode}`, async function () {
      const before = used.sim.stats().authModes;
      const a = await ping(mode);
      assert.equal(a.status, 200);
      assert.deepEqual(a.json, { ok: true });
      const after = used.sim.stats().authModes;
      for (const k of Object.keys(before) as (keyof typeof before)[]) assert.equal(after[k], before[k] + (k === mode ? 1 : 0), k);
    });
  }

  it('takes an OAuth2 access token from client credentials (form client auth) and counts it as oauth', async function () {
    const token = await oauthToken(used.sim);
    const before = used.sim.stats().authModes.oauth;
    assert.equal((await ping({ oauth: token })).status, 200);
    assert.equal(used.sim.stats().authModes.oauth, before + 1);
  });

  it('issues tokens to HTTP Basic client auth, echoes the scope and sets no-store', async function () {
    const a = await tokenRequest(
      used.sim,
      { grant_type: 'client_credentials', scope: 'products:write' },
      { id: used.sim.clientId, secret: used.sim.clientSecret },
    );
    assert.equal(a.status, 200);
    const body = a.json as { access_token: string; token_type: string; expires_in: number; scope: string };
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 3600);
    assert.equal(body.scope, 'products:write');
    assert.equal(a.headers.get('cache-control'), 'no-store');
    assert.equal((await ping({ oauth: body.access_token })).status, 200);
  });

  const wrong: [string, RestAuthChoice][] = [
    ['no credentials', 'none'],
    ['a wrong password', { header: basicHeader('sim-user', 'nope') }],
    ['a wrong user', { header: basicHeader('someone', 'sim-password') }],
    ['a wrong bearer token', { oauth: 'not-a-token' }],
  ];
  for (const [what, auth] of wrong) {
    it(`answers ${what} with a 401 problem and WWW-Authenticate`, async function () {
      const before = used.sim.stats();
      const a = await ping(auth);
      assert.equal(a.status, 401);
      assert.match(a.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.match(a.headers.get('www-authenticate') ?? '', /Basic realm="rest-sim", Bearer realm="rest-sim"/);
      const p = a.json as Record<string, unknown>;
      assert.equal(p.status, 401);
      assert.equal(p.title, 'Unauthorized');
      assert.equal(typeof p.detail, 'string');
      assert.ok(!a.text.includes('nope') && !a.text.includes('not-a-token'), 'no credential echoed');
      assert.equal(used.sim.stats().unauthorized, before.unauthorized + 1);
      assert.deepEqual(used.sim.stats().authModes, before.authModes);
    });
  }

  it('answers the API root (with or without the slash) with an index once authenticated, 401 otherwise', async function () {
    for (const path of ['/api/v1', '/api/v1/']) {
      const a = await restCall(used.sim, 'GET', path, { auth: 'apiKeyHeader' });
      assert.equal(a.status, 200, path);
      assert.equal((a.json as { resources: { products: string } }).resources.products, `${used.sim.apiUrl}/products`);
      assert.equal((await restCall(used.sim, 'GET', path, { auth: 'none' })).status, 401);
    }
  });

  it('answers a wrong API key in the header or the query with 401', async function () {
    assert.equal((await restCall(used.sim, 'GET', '/api/v1/ping', { auth: 'none', headers: { 'X-API-Key': 'wrong' } })).status, 401);
    assert.equal((await restCall(used.sim, 'GET', '/api/v1/ping?api_key=wrong', { auth: 'none' })).status, 401);
  });

  it('answers an expired OAuth2 token 401 with error="invalid_token", and a new token works', async function () {
    const token = await oauthToken(used.sim);
    assert.equal((await ping({ oauth: token })).status, 200);
    used.sim.expireTokens();
    const a = await ping({ oauth: token });
    assert.equal(a.status, 401);
    assert.match(a.headers.get('www-authenticate') ?? '', /error="invalid_token", error_description="The access token expired"/);
    assert.equal((await ping({ oauth: await oauthToken(used.sim) })).status, 200);
  });

  it('expires tokens after tokenTtlSeconds', async function () {
    this.timeout(10000);
    const { startRestSim } = await import('../../../../../dev/sim/rest');
    const sim = await startRestSim({ tokenTtlSeconds: 1, seed: { products: 0 } });
    try {
      const token = await oauthToken(sim);
      assert.equal((await restCall(sim, 'GET', '/api/v1/ping', { auth: { oauth: token } })).status, 200);
      await new Promise((r) => setTimeout(r, 1100));
      assert.equal((await restCall(sim, 'GET', '/api/v1/ping', { auth: { oauth: token } })).status, 401);
    } finally {
      await sim.stop();
    }
  });

  it('refuses a wrong client secret (401 invalid_client), a missing or other grant (400), a non-form body (400)', async function () {
    const bad = await tokenRequest(used.sim, { grant_type: 'client_credentials', client_id: used.sim.clientId, client_secret: 'zz-bad-secret' });
    assert.equal(bad.status, 401);
    assert.equal((bad.json as { error: string }).error, 'invalid_client');
    assert.ok(!bad.text.includes('zz-bad-secret'));
    const badBasic = await tokenRequest(used.sim, { grant_type: 'client_credentials' }, { id: used.sim.clientId, secret: 'wrong' });
    assert.equal(badBasic.status, 401);
    assert.match(badBasic.headers.get('www-authenticate') ?? '', /^Basic/);
    const noGrant = await tokenRequest(used.sim, { client_id: used.sim.clientId, client_secret: used.sim.clientSecret });
    assert.deepEqual([noGrant.status, (noGrant.json as { error: string }).error], [400, 'invalid_request']);
    const pw = await tokenRequest(used.sim, { grant_type: 'password', client_id: used.sim.clientId, client_secret: used.sim.clientSecret });
    assert.deepEqual([pw.status, (pw.json as { error: string }).error], [400, 'unsupported_grant_type']);
    const json = await fetch(used.sim.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: used.sim.clientId, client_secret: used.sim.clientSecret }),
    });
    assert.equal(json.status, 400);
  });

  it('refuses an oversized token request body without reading it into memory', async function () {
    const a = await fetch(used.sim.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&pad=${'x'.repeat(64 * 1024)}`,
    });
    assert.equal(a.status, 400);
    assert.match(((await a.json()) as { error_description: string }).error_description, /larger than 16384 bytes/);
  });
});
