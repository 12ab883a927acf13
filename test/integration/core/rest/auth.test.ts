/**
 * Every auth mode of the REST client against a local server that checks the credentials as an API
 * would: Basic, bearer, API key in a header or the query, OAuth2 client credentials (client auth by
 * HTTP Basic or form fields, scope), one token shared by concurrent calls, one refresh after a 401.
 */
import { strict as assert } from 'node:assert';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { openRestClient, type RestClient } from '../../../../src/core/rest/client';
import { restOptionsFromConfig, type RestConnectionFields, type RestCredentials } from '../../../../src/core/rest/rest-config';
import { expectCode } from '../../../support/expect-code';
import { sendJson, startRestStub, type RestStub } from '../../../support/rest-stub';

describe('rest client: authentication', function () {
  this.timeout(30_000);
  let stub: RestStub;
  let client: RestClient | undefined;
  /** Tokens the token endpoint issued and still accepts. */
  let valid: Set<string>;
  let issued: number;
  let tokenForms: URLSearchParams[];
  let tokenAuth: (string | undefined)[];

  const open = (fields: RestConnectionFields, creds: RestCredentials): RestClient => {
    client?.close();
    client = openRestClient({ ...restOptionsFromConfig({ baseUrl: `${stub.url}/api/v1`, proxy: 'none', ...fields }, creds), retryBaseMs: 10, retryMaxMs: 50 });
    return client;
  };

  beforeEach(async () => {
    stub = await startRestStub();
    valid = new Set();
    issued = 0;
    tokenForms = [];
    tokenAuth = [];
    stub.handle((req: IncomingMessage, res: ServerResponse, body: Buffer) => {
      if (req.url === '/oauth/token') {
        const form = new URLSearchParams(body.toString());
        tokenForms.push(form);
        tokenAuth.push(req.headers.authorization);
        const basic = req.headers.authorization?.startsWith('Basic ')
          ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString().split(':')
          : undefined;
        const id = basic ? decodeURIComponent(basic[0]) : form.get('client_id');
        const secret = basic ? decodeURIComponent(basic[1].replace(/\+/g, ' ')) : form.get('client_secret');
        if (form.get('grant_type') !== 'client_credentials' || id !== 'filebridge-rest' || secret !== 's3cret: x+y') {
          return sendJson(res, 401, { error: 'invalid_client', error_description: `bad client ${secret ?? ''}` });
        }
        const token = `tok-${++issued}`;
        valid.add(token);
        // slow enough that concurrent callers overlap
        setTimeout(() => sendJson(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 3600, scope: form.get('scope') }), 100);
        return;
      }
      const h = req.headers;
      const url = new URL(req.url ?? '/', 'http://x');
      const mode =
        h.authorization === `Basic ${Buffer.from('sim-user:sim-password').toString('base64')}`
          ? 'basic'
          : h.authorization === 'Bearer sim-static-token'
            ? 'bearer'
            : h.authorization?.startsWith('Bearer ') && valid.has(h.authorization.slice(7))
              ? 'oauth'
              : h['x-api-key'] === 'sim-api-key'
                ? 'apiKeyHeader'
                : url.searchParams.get('api_key') === 'sim-api-key'
                  ? 'apiKeyQuery'
                  : undefined;
      if (!mode) return sendJson(res, 401, { title: 'Unauthorized', status: 401 }, { 'WWW-Authenticate': 'Bearer' });
      sendJson(res, 200, { mode, token: h.authorization?.slice(7) });
    });
  });
  afterEach(async () => {
    client?.close();
    client = undefined;
    await stub.stop();
  });

  const ping = async (): Promise<{ mode: string; token?: string }> =>
    (await (client as RestClient).request({ method: 'GET', path: '/ping', responseType: 'json' })).body as { mode: string };

  it('sends Basic, bearer and API key (header and query) credentials', async () => {
    open({ authType: 'basic', username: 'sim-user' }, { password: 'sim-password' });
    assert.equal((await ping()).mode, 'basic');
    open({ authType: 'bearer' }, { token: 'sim-static-token' });
    assert.equal((await ping()).mode, 'bearer');
    open({ authType: 'apiKey' }, { apiKey: 'sim-api-key' });
    assert.equal((await ping()).mode, 'apiKeyHeader');
    open({ authType: 'apiKey', apiKeyIn: 'query', apiKeyName: 'api_key' }, { apiKey: 'sim-api-key' });
    assert.equal((await ping()).mode, 'apiKeyQuery');
    open({ authType: 'none' }, {});
    await expectCode(ping(), 'AUTHENTICATION', /HTTP 401/);
    open({ authType: 'basic', username: 'sim-user' }, { password: 'wrong' });
    await expectCode(ping(), 'AUTHENTICATION', /Check the REST connection's credentials/);
  });

  it('gets an OAuth2 token by client credentials (HTTP Basic client auth, RFC 6749 2.3.1 encoding) with the scope, once for many concurrent calls', async () => {
    open({ authType: 'oauth2', tokenUrl: `${stub.url}/oauth/token`, clientId: 'filebridge-rest', scope: 'products.write' }, { clientSecret: 's3cret: x+y' });
    const answers = await Promise.all(Array.from({ length: 8 }, () => ping()));
    assert.deepEqual(new Set(answers.map((a) => a.mode)), new Set(['oauth']));
    assert.equal(issued, 1, 'one token request for 8 concurrent calls');
    assert.equal(tokenForms[0].get('scope'), 'products.write');
    assert.equal(tokenForms[0].get('client_secret'), null, 'the secret went in the Authorization header only');
    assert.equal(tokenAuth[0], `Basic ${Buffer.from('filebridge-rest:s3cret%3A+x%2By').toString('base64')}`);
  });

  it('sends the client id and secret as form fields when asked', async () => {
    open({ authType: 'oauth2', tokenUrl: `${stub.url}/oauth/token`, clientId: 'filebridge-rest', clientAuth: 'body' }, { clientSecret: 's3cret: x+y' });
    assert.equal((await ping()).mode, 'oauth');
    assert.equal(tokenAuth[0], undefined);
    assert.equal(tokenForms[0].get('client_id'), 'filebridge-rest');
    assert.equal(tokenForms[0].get('client_secret'), 's3cret: x+y');
  });

  it('drops a token refused with 401, gets one new token for all waiting calls, and retries each once', async () => {
    open({ authType: 'oauth2', tokenUrl: `${stub.url}/oauth/token`, clientId: 'filebridge-rest' }, { clientSecret: 's3cret: x+y' });
    assert.equal((await ping()).token, 'tok-1');
    valid.clear(); // the API ends every session
    const answers = await Promise.all(Array.from({ length: 5 }, () => ping()));
    assert.deepEqual(
      answers.map((a) => a.token),
      ['tok-2', 'tok-2', 'tok-2', 'tok-2', 'tok-2'],
    );
    assert.equal(issued, 2);
    assert.equal((client as RestClient).stats().tokenRequests, 2);
    // a POST is retried after the 401 too: the server refused it before doing anything
    valid.clear();
    const post = await (client as RestClient).request({ method: 'POST', path: '/x', body: { kind: 'json', value: {} }, responseType: 'json' });
    assert.equal((post.body as { token: string }).token, 'tok-3');
  });

  it('fails with AUTHENTICATION when the new token is refused too (one retry only), and when the client is wrong', async () => {
    open({ authType: 'oauth2', tokenUrl: `${stub.url}/oauth/token`, clientId: 'filebridge-rest' }, { clientSecret: 's3cret: x+y' });
    stub.handle((req, res, body) => {
      if (req.url === '/oauth/token') return sendJson(res, 200, { access_token: `t${body.length}-${stub.arrived.length}`, expires_in: 60 });
      sendJson(res, 401, { detail: 'never' });
    });
    await expectCode(ping(), 'AUTHENTICATION', /HTTP 401/);
    assert.deepEqual(
      stub.arrived.map((a) => a.url),
      ['/oauth/token', '/api/v1/ping', '/oauth/token', '/api/v1/ping'],
    );
    stub.handle((_req, res) => sendJson(res, 401, { error: 'invalid_client', error_description: 'bad client wr0ng-secret' }));
    open({ authType: 'oauth2', tokenUrl: `${stub.url}/oauth/token`, clientId: 'filebridge-rest' }, { clientSecret: 'wr0ng-secret' });
    const err = await expectCode(ping(), 'AUTHENTICATION', /token URL refused the client \(HTTP 401\): invalid_client/);
    assert.ok(!`${err.message}${JSON.stringify(err.details)}`.includes('wr0ng-secret'));
  });
});
