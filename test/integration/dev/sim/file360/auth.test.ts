/**
 * The simulated OTDS token endpoint (auth.ts) and how API calls are authorised: both grants, the
 * parameters as a form body, in the query string (as pyxecm builds them) or with HTTP Basic; wrong
 * clients, users and passwords; missing, unknown and expired tokens on API calls; sessions.
 */
import assert from 'node:assert/strict';
import { accessToken, call, tokenRequest, useFile360Sim } from '../../../../support/file360-sim';

describe('File 360 simulator: authentication', function () {
  const used = useFile360Sim();

  it('issues a Bearer token for the password grant and for client credentials, acting as the account', async function () {
    for (const grant of ['password', 'client_credentials'] as const) {
      const a = await tokenRequest(used.sim, {
        grant_type: grant,
        client_id: used.sim.clientId,
        client_secret: used.sim.clientSecret,
        ...(grant === 'password' ? { username: used.sim.user, password: used.sim.password } : {}),
      });
      assert.equal(a.status, 200, a.text);
      const body = a.json as { access_token: string; token_type: string; expires_in: number };
      assert.equal(body.token_type, 'Bearer');
      assert.equal(body.expires_in, 3600);
      assert.equal(a.headers.get('cache-control'), 'no-store');
      const me = await call(used.sim, 'GET', '/api/v1/users/me', { token: body.access_token });
      assert.equal(me.status, 200);
      assert.equal((me.json as { email: string }).email, used.sim.user);
    }
  });

  it('takes the parameters in the query string (with an empty body) and client credentials as HTTP Basic', async function () {
    const q = new URLSearchParams({ grant_type: 'client_credentials', client_id: used.sim.clientId, client_secret: used.sim.clientSecret });
    const inQuery = await fetch(`${used.sim.ssoUrl}/otdsws/oauth2/token?${q.toString()}`, { method: 'POST' });
    assert.equal(inQuery.status, 200);
    const basic = await fetch(`${used.sim.ssoUrl}/otdsws/oauth2/token`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: `Basic ${Buffer.from(`${used.sim.clientId}:${used.sim.clientSecret}`).toString('base64')}`,
      },
      body: 'grant_type=client_credentials',
    });
    assert.equal(basic.status, 200);
  });

  it('refuses a wrong client, secret, user or password and an unknown grant, without repeating the secrets', async function () {
    const base = { client_id: used.sim.clientId, client_secret: used.sim.clientSecret };
    const wrongSecret = await tokenRequest(used.sim, { ...base, grant_type: 'client_credentials', client_secret: 'S3cr3t-guess' });
    assert.equal(wrongSecret.status, 400);
    assert.equal((wrongSecret.json as { error: string }).error, 'invalid_client');
    assert.doesNotMatch(wrongSecret.text, /S3cr3t-guess/);
    const wrongClient = await tokenRequest(used.sim, { ...base, grant_type: 'client_credentials', client_id: 'other' });
    assert.equal((wrongClient.json as { error: string }).error, 'invalid_client');
    const wrongPassword = await tokenRequest(used.sim, { ...base, grant_type: 'password', username: used.sim.user, password: 'pw-guess-1' });
    assert.equal(wrongPassword.status, 400);
    assert.equal((wrongPassword.json as { error: string }).error, 'invalid_grant');
    assert.doesNotMatch(wrongPassword.text, /pw-guess-1/);
    const wrongUser = await tokenRequest(used.sim, { ...base, grant_type: 'password', username: 'nobody@example.com', password: used.sim.password });
    assert.equal((wrongUser.json as { error: string }).error, 'invalid_grant');
    const noPassword = await tokenRequest(used.sim, { ...base, grant_type: 'password', username: used.sim.user });
    assert.equal((noPassword.json as { error: string }).error, 'invalid_request');
    const refresh = await tokenRequest(used.sim, { ...base, grant_type: 'refresh_token', refresh_token: 'x' });
    assert.equal((refresh.json as { error: string }).error, 'unsupported_grant_type');
    const json = await fetch(`${used.sim.ssoUrl}/otdsws/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...base, grant_type: 'client_credentials' }),
    });
    assert.equal(json.status, 400, 'a JSON token request is not OAuth2');
  });

  it('answers API calls without a token, with an unknown one or an expired one 401 JSON with WWW-Authenticate', async function () {
    const none = await call(used.sim, 'GET', '/api/v1/users/me');
    assert.equal(none.status, 401);
    assert.equal((none.json as { error: string }).error, 'unauthorized');
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    const unknown = await call(used.sim, 'GET', '/api/v1/users/me', { token: 'made-up' });
    assert.equal(unknown.status, 401);
    assert.match(unknown.headers.get('www-authenticate') ?? '', /invalid_token/);
    const basic = await call(used.sim, 'GET', '/api/v1/users/me', { headers: { Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } });
    assert.equal(basic.status, 401);
    const token = await accessToken(used.sim);
    assert.equal((await call(used.sim, 'GET', '/api/v1/users/me', { token })).status, 200);
    used.sim.expireTokens();
    const expired = await call(used.sim, 'GET', '/api/v1/users/me', { token });
    assert.equal(expired.status, 401);
    assert.match((expired.json as { message: string }).message, /expired/);
    assert.ok(!expired.text.includes(token), 'the token is not repeated');
    used.token = await accessToken(used.sim);
  });

  it('expires tokens after tokenTtlSeconds', async function () {
    used.sim.setFaults({ tokenTtlSeconds: 1 });
    const a = await tokenRequest(used.sim, { grant_type: 'client_credentials', client_id: used.sim.clientId, client_secret: used.sim.clientSecret });
    const token = (a.json as { access_token: string; expires_in: number }).access_token;
    assert.equal((a.json as { expires_in: number }).expires_in, 1);
    assert.equal((await call(used.sim, 'GET', '/api/v1/users/me', { token })).status, 200);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await call(used.sim, 'GET', '/api/v1/users/me', { token })).status, 401);
  });

  it('signs an administrator in with POST /api/v1/sessions: an AccessToken cookie pyxecm turns into a Bearer token', async function () {
    const q = `client=${encodeURIComponent("{'type':'web'}")}&email=${encodeURIComponent(used.sim.user)}&password=${encodeURIComponent(used.sim.password)}`;
    const res = await fetch(`${used.sim.url}/api/v1/sessions?${q}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(res.status, 200);
    const cookie = /AccessToken=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] ?? '';
    assert.ok(cookie.startsWith('s%3A'));
    // pyxecm authenticate_admin: strip "s%3A", drop the last ".part".
    const token = cookie.slice(4).split('.').slice(0, -1).join('.');
    assert.equal((await call(used.sim, 'GET', '/api/v1/users/me', { token })).status, 200);
    const wrong = await fetch(`${used.sim.url}/api/v1/sessions?email=${encodeURIComponent(used.sim.user)}&password=nope`, { method: 'POST' });
    assert.equal(wrong.status, 401);
  });
});
