import { strict as assert } from 'node:assert';
import { FileBridgeError } from '../../../../src/core/errors';
import { errorTextOf, redactUrl, retryAfterMs, safeText } from '../../../../src/core/rest/errors';
import { nextFromLinkHeader } from '../../../../src/core/rest/paging';
import { noProxyMatches, proxyFromEnv } from '../../../../src/core/rest/proxy-agent';
import {
  restOptionsFromConfig,
  restSecretScope,
  secretQueryParams,
  type RestConnectionFields,
  type RestCredentials,
} from '../../../../src/core/rest/rest-config';

function refused(fields: RestConnectionFields, creds: RestCredentials, field: string, message?: RegExp): void {
  assert.throws(
    () => restOptionsFromConfig(fields, creds),
    (err: unknown) => {
      assert.ok(err instanceof FileBridgeError);
      assert.equal(err.code, 'INVALID_INPUT');
      assert.equal(err.details.field, field, err.message);
      if (message) assert.match(err.message, message);
      return true;
    },
  );
}

describe('rest connection settings', () => {
  const base = { baseUrl: 'https://API.example.com/v1/' };

  it('has the documented defaults', () => {
    const o = restOptionsFromConfig(base, {});
    assert.equal(o.baseUrl, 'https://api.example.com/v1');
    assert.deepEqual(o.auth, { type: 'none' });
    assert.deepEqual(o.proxy, { mode: 'env' });
    assert.equal(o.timeoutMs, 60_000);
    assert.equal(o.connectTimeoutMs, 15_000);
    assert.equal(o.retries, 5);
    assert.equal(o.rateLimit, 0);
    assert.equal(o.idempotencyHeader, 'Idempotency-Key');
    assert.equal(o.testPath, '/');
    assert.equal(o.rejectUnauthorized, true);
  });

  it('reads every auth type and refuses a missing credential naming the field', () => {
    assert.deepEqual(restOptionsFromConfig({ ...base, authType: 'basic', username: 'u' }, { password: 'p' }).auth, {
      type: 'basic',
      username: 'u',
      password: 'p',
    });
    assert.deepEqual(restOptionsFromConfig({ ...base, authType: 'bearer' }, { token: ' t ' }).auth, { type: 'bearer', token: 't' });
    assert.deepEqual(restOptionsFromConfig({ ...base, authType: 'apiKey', apiKeyIn: 'query', apiKeyName: 'api_key' }, { apiKey: 'k' }).auth, {
      type: 'apiKey',
      name: 'api_key',
      in: 'query',
      value: 'k',
    });
    assert.deepEqual(
      restOptionsFromConfig({ ...base, authType: 'oauth2', tokenUrl: 'https://login.example.com/token', clientId: 'c', scope: 'a b' }, { clientSecret: 's' })
        .auth,
      {
        type: 'oauth2',
        tokenUrl: 'https://login.example.com/token',
        clientId: 'c',
        clientSecret: 's',
        clientAuth: 'basic',
        scope: 'a b',
      },
    );
    refused({ ...base, authType: 'basic', username: 'u' }, {}, 'Password');
    refused({ ...base, authType: 'basic' }, { password: 'p' }, 'User');
    refused({ ...base, authType: 'bearer' }, {}, 'Bearer token');
    refused({ ...base, authType: 'apiKey' }, {}, 'API key');
    refused({ ...base, authType: 'oauth2', clientId: 'c' }, { clientSecret: 's' }, 'Token URL');
    refused({ ...base, authType: 'oauth2', tokenUrl: 'https://l/t' }, { clientSecret: 's' }, 'Client id');
    refused({ ...base, authType: 'oauth2', tokenUrl: 'https://l/t', clientId: 'c' }, {}, 'Client secret');
    refused({ ...base, authType: 'digest' }, {}, 'Authentication', /none, basic, bearer, apiKey, oauth2/);
  });

  it('refuses bad URLs, headers, certificates, proxies and numbers naming the field', () => {
    refused({}, {}, 'Base URL', /no "Base URL"/);
    refused({ baseUrl: 'ftp://x' }, {}, 'Base URL');
    refused({ baseUrl: 'https://u:p@x.example' }, {}, 'Base URL');
    refused({ baseUrl: 'https://x.example/?a=1' }, {}, 'Base URL');
    refused({ ...base, headers: [{ name: 'bad name', value: 'x' }] }, {}, 'Extra headers');
    refused({ ...base, headers: [{ name: 'Content-Length', value: '1' }] }, {}, 'Extra headers');
    refused({ ...base, headers: [{ name: 'X-A', value: 'a\r\nInjected: 1' }] }, {}, 'Extra headers');
    refused({ ...base, ca: 'not a pem' }, {}, 'CA certificate');
    refused({ ...base, certFingerprint: 'abc' }, {}, 'Pinned certificate');
    refused({ baseUrl: 'http://x.example', certFingerprint: 'AB'.repeat(32) }, {}, 'Pinned certificate', /https/);
    refused({ ...base, proxy: 'url' }, {}, 'Proxy URL');
    refused({ ...base, proxy: 'url', proxyUrl: 'socks5://p:1080' }, {}, 'Proxy URL');
    refused({ ...base, proxy: 'url', proxyUrl: 'http://u:pw@p:3128' }, {}, 'Proxy URL', /Proxy password/);
    refused({ ...base, proxy: 'auto' }, {}, 'Proxy');
    refused({ ...base, testPath: 'https://elsewhere/ping' }, {}, 'Test path');
    assert.throws(() => restOptionsFromConfig({ ...base, timeout: '0' }, {}), /Timeout \(seconds\) must be a number from 1 to 3600/);
    assert.throws(() => restOptionsFromConfig({ ...base, retries: 99 }, {}), /Retries must be a number from 0 to 20/);
    const o = restOptionsFromConfig(
      {
        ...base,
        headers: [
          { name: 'X-Tenant', value: 't' },
          { name: '', value: '' },
        ],
        certFingerprint: 'sha256:' + 'ab'.repeat(32),
        proxy: 'url',
        proxyUrl: 'http://u@p:3128',
        rateLimit: '2.5',
      },
      { proxyPassword: 'pp' },
    );
    assert.deepEqual(o.headers, { 'X-Tenant': 't' });
    assert.equal(o.pin, Array(32).fill('AB').join(':'));
    assert.deepEqual(o.proxy, { mode: 'url', url: 'http://u@p:3128/', password: 'pp' });
    assert.equal(o.rateLimit, 2.5);
  });

  it('names the query parameter that holds a secret only when the API key goes in the query', () => {
    const inQuery = restOptionsFromConfig({ ...base, authType: 'apiKey', apiKeyIn: 'query', apiKeyName: 'api_key' }, { apiKey: 'k' });
    assert.deepEqual(secretQueryParams(inQuery.auth), ['api_key']);
    const inHeader = restOptionsFromConfig({ ...base, authType: 'apiKey', apiKeyIn: 'header', apiKeyName: 'X-API-Key' }, { apiKey: 'k' });
    assert.deepEqual(secretQueryParams(inHeader.auth), []);
    assert.deepEqual(secretQueryParams(restOptionsFromConfig({ ...base, authType: 'bearer' }, { token: 't' }).auth), []);
  });

  it('scopes stored secrets to origins, auth type, user and client', () => {
    const a = restSecretScope({ baseUrl: 'https://api.example.com/v1', authType: 'basic', username: 'u' });
    assert.equal(a, restSecretScope({ baseUrl: 'https://API.example.com:443/v2/', authType: 'basic', username: 'u' }));
    assert.notEqual(a, restSecretScope({ baseUrl: 'https://evil.example.com/v1', authType: 'basic', username: 'u' }));
    assert.notEqual(a, restSecretScope({ baseUrl: 'https://api.example.com/v1', authType: 'basic', username: 'v' }));
    assert.notEqual(a, restSecretScope({ baseUrl: 'https://api.example.com/v1', authType: 'bearer', username: 'u' }));
    const o = { baseUrl: 'https://api.example.com', authType: 'oauth2', tokenUrl: 'https://login.example.com/t', clientId: 'c' };
    assert.notEqual(restSecretScope(o), restSecretScope({ ...o, tokenUrl: 'https://evil.example.com/t' }));
    assert.notEqual(restSecretScope(o), restSecretScope({ ...o, clientId: 'd' }));
    const k = { baseUrl: 'https://api.example.com', authType: 'apiKey', apiKeyIn: 'header', apiKeyName: 'X-Key' };
    assert.notEqual(restSecretScope(k), restSecretScope({ ...k, apiKeyIn: 'query' }));
    const p = { baseUrl: 'https://api.example.com', proxy: 'url', proxyUrl: 'http://proxy:3128' };
    assert.notEqual(restSecretScope(p), restSecretScope({ ...p, proxyUrl: 'http://evil:3128' }));
  });
});

describe('rest helpers', () => {
  it('finds the proxy for a URL as Node-RED 4.1 http request does', () => {
    const env = { http_proxy: 'http://lower:1', HTTP_PROXY: 'http://upper:2', HTTPS_PROXY: 'proxy.example:3128' };
    assert.equal(proxyFromEnv(new URL('http://api.example.com/x'), env), 'http://lower:1');
    assert.equal(proxyFromEnv(new URL('https://api.example.com/x'), env), 'https://proxy.example:3128');
    assert.equal(proxyFromEnv(new URL('https://api.example.com/x'), { ALL_PROXY: 'http://all:9' }), 'http://all:9');
    assert.equal(proxyFromEnv(new URL('https://api.example.com/x'), {}), '');
    assert.equal(proxyFromEnv(new URL('https://api.example.com/x'), { ...env, NO_PROXY: '*' }), '');
    assert.equal(noProxyMatches('api.example.com', 443, { NO_PROXY: '.example.com' }), true);
    assert.equal(noProxyMatches('api.example.com', 443, { no_proxy: '*.example.com' }), true);
    assert.equal(noProxyMatches('api.example.com', 443, { no_proxy: 'example.com' }), false, 'no leading dot: exact host only');
    assert.equal(noProxyMatches('api.example.com', 443, { no_proxy: 'api.example.com:8443' }), false);
    assert.equal(noProxyMatches('api.example.com', 8443, { no_proxy: 'other, api.example.com:8443' }), true);
  });

  it('reads the rel="next" of a Link header', () => {
    assert.equal(nextFromLinkHeader('<https://a/x?page=2>; rel="next", <https://a/x?page=9>; rel="last"'), 'https://a/x?page=2');
    assert.equal(nextFromLinkHeader('<https://a/x?page=1>; rel="prev first", </x?page=3>; title="n"; rel=next'), '/x?page=3');
    assert.equal(nextFromLinkHeader('<https://a/x?page=1>; rel="prev"'), undefined);
    assert.equal(nextFromLinkHeader(undefined), undefined);
  });

  it('redacts secrets from URLs and texts, and reads Retry-After', () => {
    assert.equal(redactUrl('https://u:p@a.example/x?api_key=k1&page=2&X-Key=k2', ['x-key']), 'https://a.example/x?api_key=***&page=2&X-Key=***');
    assert.equal(safeText('Authorization: Bearer abc.def password=hunter2 and s3cr3t', ['s3cr3t']), 'Authorization: Bearer *** password=*** and ***');
    assert.deepEqual(errorTextOf('{"error":{"message":"bad"}}').text, 'bad');
    assert.equal(errorTextOf('<html>oops</html>').text, undefined);
    assert.equal(retryAfterMs('2', 10_000), 2000);
    assert.equal(retryAfterMs('999', 10_000), 10_000);
    assert.equal(retryAfterMs(new Date(5000).toUTCString(), 10_000, 1000), 4000);
    assert.equal(retryAfterMs('soon', 10_000), undefined);
  });
});
