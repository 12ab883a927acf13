/**
 * The Dropbox simulator's OAuth (oauth.ts): the refresh_token grant as the official SDK sends it
 * (every parameter in the query, JSON content type, empty body) and as a form, its errors, and the
 * PKCE sign-in: authorize page, Allow, code, code exchange with the verifier.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { rpc, useDropboxSim } from '../../../../support/dropbox-sim';

interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

describe('Dropbox simulator: OAuth', function () {
  const used = useDropboxSim({ appKey: 'test-app', refreshToken: 'test-refresh' });

  const token = async (params: Record<string, string>, how: 'query' | 'form' = 'form'): Promise<TokenAnswer> => {
    const qs = new URLSearchParams(params).toString();
    const res =
      how === 'query'
        ? await fetch(`${used.sim.url}/oauth2/token?${qs}`, { method: 'POST', headers: { 'Content-Type': 'application/json' } })
        : await fetch(`${used.sim.url}/oauth2/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: qs });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  describe('refresh_token grant', function () {
    it('takes the parameters in the query string with an empty JSON-typed body, as the SDK sends them', async function () {
      const a = await token({ grant_type: 'refresh_token', refresh_token: 'test-refresh', client_id: 'test-app' }, 'query');
      assert.equal(a.status, 200);
      assert.equal(a.body.token_type, 'bearer');
      assert.equal(a.body.expires_in, 14400);
      assert.equal(a.body.refresh_token, undefined);
      const call = await rpc(used.sim, 'users/get_current_account', undefined, { token: a.body.access_token as string });
      assert.equal(call.status, 200);
    });

    it('takes a form-encoded body and Basic client credentials', async function () {
      assert.equal((await token({ grant_type: 'refresh_token', refresh_token: 'test-refresh', client_id: 'test-app' })).status, 200);
      const res = await fetch(`${used.sim.url}/oauth2/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${Buffer.from('test-app:secret').toString('base64')}` },
        body: 'grant_type=refresh_token&refresh_token=test-refresh',
      });
      assert.equal(res.status, 200);
    });

    it('answers an unknown refresh token 400 invalid_grant and a wrong app 400 invalid_client', async function () {
      const grant = await token({ grant_type: 'refresh_token', refresh_token: 'nope', client_id: 'test-app' });
      assert.equal(grant.status, 400);
      assert.deepEqual(grant.body, { error: 'invalid_grant', error_description: 'refresh token is invalid or revoked' });
      const client = await token({ grant_type: 'refresh_token', refresh_token: 'test-refresh', client_id: 'other-app' });
      assert.equal(client.status, 400);
      assert.equal(client.body.error, 'invalid_client');
      const none = await token({ grant_type: 'refresh_token', refresh_token: 'test-refresh' });
      assert.equal(none.status, 400);
      assert.equal(none.body.error, 'invalid_request');
    });

    it('issues tokens that live accessTokenTtlSeconds', async function () {
      used.sim.setFaults({ accessTokenTtlSeconds: 60 });
      const a = await token({ grant_type: 'refresh_token', refresh_token: 'test-refresh', client_id: 'test-app' });
      assert.equal(a.body.expires_in, 60);
    });
  });

  describe('PKCE sign-in', function () {
    const pkce = (): { verifier: string; challenge: string } => {
      const verifier = randomBytes(48).toString('base64url');
      return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
    };

    /** Opens the authorize page, presses Allow (posts the page's form back) and reads the code shown. */
    const signIn = async (challenge: string, extra: Record<string, string> = {}): Promise<string> => {
      const query = new URLSearchParams({
        client_id: 'test-app',
        response_type: 'code',
        code_challenge: challenge,
        code_challenge_method: 'S256',
        token_access_type: 'offline',
        ...extra,
      });
      const page = await fetch(`${used.sim.url}/oauth2/authorize?${query.toString()}`);
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /id="allow"/);
      assert.match(html, /Sim User/);
      const fields = new URLSearchParams();
      for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields.append(m[1] ?? '', (m[2] ?? '').replace(/&amp;/g, '&'));
      fields.append('decision', 'allow');
      const allowed = await fetch(`${used.sim.url}/oauth2/authorize`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: fields.toString(),
      });
      const shown = await allowed.text();
      const code = /id="code">([^<]+)</.exec(shown)?.[1];
      assert.ok(code, shown);
      return code;
    };

    it('shows a code after Allow that exchanges with the right verifier for a refresh token and the account', async function () {
      const { verifier, challenge } = pkce();
      const code = await signIn(challenge);
      const a = await token({ grant_type: 'authorization_code', code, client_id: 'test-app', code_verifier: verifier });
      assert.equal(a.status, 200, JSON.stringify(a.body));
      assert.equal(typeof a.body.refresh_token, 'string');
      assert.equal(a.body.account_id, 'dbid:AAD5imUser0000000000000000000000000');
      assert.equal(typeof a.body.uid, 'string');
      // The new refresh token works like any other.
      const refreshed = await token({ grant_type: 'refresh_token', refresh_token: a.body.refresh_token as string, client_id: 'test-app' });
      assert.equal(refreshed.status, 200);
      // A code is good once.
      const again = await token({ grant_type: 'authorization_code', code, client_id: 'test-app', code_verifier: verifier });
      assert.equal(again.status, 400);
      assert.equal(again.body.error, 'invalid_grant');
    });

    it('refuses a wrong or missing code_verifier with invalid_grant', async function () {
      const { challenge } = pkce();
      const code = await signIn(challenge);
      const wrong = await token({ grant_type: 'authorization_code', code, client_id: 'test-app', code_verifier: pkce().verifier });
      assert.equal(wrong.status, 400);
      assert.equal(wrong.body.error, 'invalid_grant');
      const code2 = await signIn(challenge);
      const missing = await token({ grant_type: 'authorization_code', code: code2, client_id: 'test-app' });
      assert.equal(missing.body.error, 'invalid_grant');
    });

    it('redirects with code and state when a redirect_uri is given', async function () {
      const { verifier, challenge } = pkce();
      const query = new URLSearchParams({ client_id: 'test-app', response_type: 'code', code_challenge: challenge, code_challenge_method: 'S256' });
      query.set('redirect_uri', 'http://127.0.0.1:1/cb');
      query.set('state', 's1');
      query.set('decision', 'allow');
      const res = await fetch(`${used.sim.url}/oauth2/authorize`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: query.toString(),
        redirect: 'manual',
      });
      assert.equal(res.status, 302);
      const location = new URL(res.headers.get('location') ?? '');
      assert.equal(location.searchParams.get('state'), 's1');
      const code = location.searchParams.get('code') ?? '';
      const noRedirect = await token({ grant_type: 'authorization_code', code, client_id: 'test-app', code_verifier: verifier });
      assert.equal(noRedirect.body.error, 'invalid_grant', 'the redirect_uri of the authorize step must come again');
    });

    it('shows an error page for an unknown client_id and escapes what it echoes', async function () {
      const res = await fetch(`${used.sim.url}/oauth2/authorize?client_id=${encodeURIComponent('<b>x</b>')}&response_type=code`);
      assert.equal(res.status, 400);
      const html = await res.text();
      assert.match(html, /Invalid client_id: "&lt;b&gt;x&lt;\/b&gt;"/);
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    });
  });
});
