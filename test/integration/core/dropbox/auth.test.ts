import { strict as assert } from 'node:assert';
import { startDropboxSim, type DropboxSim } from '../../../../dev/sim/dropbox';
import { describeDropboxAccount, dropboxAuthorizeUrl, exchangeDropboxCode, pkcePair } from '../../../../src/core/dropbox/auth';
import { testDropboxConnection } from '../../../../src/core/dropbox/pool';
import { openDropboxSession } from '../../../../src/core/dropbox/session';
import { expectCode } from '../../../support/expect-code';

/** Allows the app on the simulator's authorize page, as a person would, and returns the code it shows. */
async function allowOnAuthorizePage(url: string): Promise<string> {
  const page = await fetch(url);
  assert.equal(page.status, 200, await page.clone().text());
  const form = new URLSearchParams(new URL(url).searchParams);
  form.set('decision', 'allow');
  const answer = await fetch(new URL('/oauth2/authorize', url), {
    method: 'POST',
    body: form,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  const html = await answer.text();
  const code = /id="code">([^<]+)</.exec(html)?.[1];
  assert.ok(code, html);
  return code;
}

describe('Dropbox sign-in and tokens against the simulator', function () {
  this.timeout(60_000);
  let sim: DropboxSim;

  before(async () => {
    sim = await startDropboxSim({ port: 0 });
  });
  after(async () => {
    await sim?.stop();
  });

  it('PKCE sign-in: the authorize page gives a code, exchangeDropboxCode turns it into a refresh token that works', async () => {
    const { verifier, challenge } = pkcePair();
    const code = await allowOnAuthorizePage(dropboxAuthorizeUrl({ appKey: sim.appKey, serviceUrl: sim.url, codeChallenge: challenge }));
    const { refreshToken, account } = await exchangeDropboxCode({ appKey: sim.appKey, serviceUrl: sim.url, code, codeVerifier: verifier });
    assert.ok(refreshToken.length > 10);
    assert.equal(account.name, 'Sim User');
    assert.equal(account.email, 'sim.user@example.com');
    const again = await describeDropboxAccount({ appKey: sim.appKey, refreshToken, serviceUrl: sim.url });
    assert.equal(again.accountId, account.accountId);
    // A code is good once, and only with its own verifier.
    await expectCode(exchangeDropboxCode({ appKey: sim.appKey, serviceUrl: sim.url, code, codeVerifier: verifier }), 'AUTHENTICATION');
    const other = pkcePair();
    const code2 = await allowOnAuthorizePage(dropboxAuthorizeUrl({ appKey: sim.appKey, serviceUrl: sim.url, codeChallenge: other.challenge }));
    const err = await expectCode(exchangeDropboxCode({ appKey: sim.appKey, serviceUrl: sim.url, code: code2, codeVerifier: verifier }), 'AUTHENTICATION');
    for (const secret of [code2, verifier, other.verifier]) {
      assert.ok(!err.message.includes(secret) && !JSON.stringify(err.details).includes(secret), 'no secret in the error');
    }
  });

  it('describeDropboxAccount names the account, its team and the team root namespace', async () => {
    const account = await describeDropboxAccount({ appKey: sim.appKey, refreshToken: sim.refreshToken, serviceUrl: sim.url });
    assert.equal(account.name, 'Sim User');
    assert.equal(account.rootNamespaceId, sim.rootNamespaceId);
    assert.ok(account.teamName);
  });

  it('a refresh token Dropbox does not know is AUTHENTICATION, and the error never carries it', async () => {
    const refreshToken = 'not-a-real-refresh-token-SECRET';
    const err = await expectCode(openDropboxSession({ appKey: sim.appKey, refreshToken, serviceUrl: sim.url }), 'AUTHENTICATION');
    assert.ok(!err.message.includes(refreshToken));
    assert.ok(!JSON.stringify(err.details).includes(refreshToken));
    assert.equal(err.cause, undefined, 'no SDK error (whose request URL held the token) as cause');
    const report = await testDropboxConnection({ appKey: sim.appKey, refreshToken, serviceUrl: sim.url });
    assert.equal(report.ok, false);
    assert.equal(report.error?.code, 'AUTHENTICATION');
    assert.ok(!JSON.stringify(report).includes(refreshToken));
    await expectCode(openDropboxSession({ appKey: 'other-app', refreshToken: sim.refreshToken, serviceUrl: sim.url }), 'AUTHENTICATION');
  });

  it('ONE token refresh for many concurrent calls after the access token expired', async () => {
    const session = await openDropboxSession({ appKey: sim.appKey, refreshToken: sim.refreshToken, serviceUrl: sim.url });
    try {
      const refreshes = sim.stats().tokenRefreshes;
      sim.expireAccessTokens();
      const results = await Promise.all(Array.from({ length: 20 }, () => session.list('')));
      for (const r of results) assert.ok(r.length > 0);
      assert.equal(sim.stats().tokenRefreshes - refreshes, 1);
      assert.equal(session.client.tokens.refreshCount, 2);
    } finally {
      await session.close();
    }
  });

  it('testDropboxConnection: account name and the first entries of a folder', async () => {
    const report = await testDropboxConnection({ appKey: sim.appKey, refreshToken: sim.refreshToken, serviceUrl: sim.url }, '', 2);
    assert.equal(report.ok, true, JSON.stringify(report.error));
    assert.equal(report.account?.name, 'Sim User');
    assert.equal(report.folder, '/');
    assert.equal(report.entries?.length, 2);
    assert.equal(report.truncated, true);
    const missing = await testDropboxConnection({ appKey: sim.appKey, refreshToken: sim.refreshToken, serviceUrl: sim.url }, '/No such folder');
    assert.equal(missing.ok, false);
    assert.equal(missing.error?.code, 'NOT_FOUND');
    assert.equal(missing.account?.name, 'Sim User');
    const down = await testDropboxConnection({ appKey: sim.appKey, refreshToken: sim.refreshToken, serviceUrl: 'http://127.0.0.1:9', maxRetries: 0 });
    assert.equal(down.ok, false);
    assert.equal(down.error?.code, 'CONNECTION');
  });

  it('team root: the Dropbox-API-Path-Root header reaches the team folders', async () => {
    const team = await openDropboxSession({ appKey: sim.appKey, refreshToken: sim.refreshToken, serviceUrl: sim.url, teamRoot: true });
    const home = await openDropboxSession({ appKey: sim.appKey, refreshToken: sim.refreshToken, serviceUrl: sim.url });
    try {
      const teamNames = (await team.list('')).map((e) => e.name);
      const homeNames = (await home.list('')).map((e) => e.name);
      assert.ok(teamNames.includes('Finance'), teamNames.join());
      assert.ok(!homeNames.includes('Finance'), homeNames.join());
    } finally {
      await team.close();
      await home.close();
    }
  });
});
