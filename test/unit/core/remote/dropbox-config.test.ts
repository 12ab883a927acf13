import { strict as assert } from 'node:assert';
import { FileBridgeError } from '../../../../src/core/errors';
import {
  dropboxOptionsFromConfig,
  dropboxSecretScope,
  normaliseServiceUrl,
  parseStoredRefreshToken,
  refreshTokenFor,
  scopedRefreshToken,
} from '../../../../src/core/remote/dropbox-config';
import { serverOptionsFromConfig, serverSecretScope } from '../../../../src/core/remote/server-config';

function refuses(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof FileBridgeError && err.code === code && pattern.test(err.message));
}

describe('Dropbox configuration (filebridge-server with protocol dropbox)', () => {
  const base = { protocol: 'dropbox', appKey: 'abc123xyz', serviceUrl: '', teamRoot: false };

  it('Dropbox itself when the service URL is blank: the endpoint is the API host on 443', () => {
    const o = dropboxOptionsFromConfig(base, { token: 'rt' }, true);
    assert.deepEqual(o.dropbox, { appKey: 'abc123xyz', refreshToken: 'rt', serviceUrl: '', teamRoot: false, connectTimeoutMs: 15_000 });
    assert.deepEqual(o.endpoint, { protocol: 'dropbox', host: 'api.dropboxapi.com', port: 443 });
    assert.equal(o.poolSize, 2);
    assert.equal(o.connectRetries, 2);
    assert.equal(o.unreadTimeoutMs, 300_000);
  });

  it('a service URL (the simulator) is normalised and gives the endpoint host and port; the team space and numbers as typed', () => {
    const o = dropboxOptionsFromConfig(
      { ...base, serviceUrl: ' http://127.0.0.1:8282/ ', teamRoot: true, poolSize: '4', connectTimeout: '7', unreadTimeout: 0 },
      { token: 'rt' },
      true,
    );
    assert.equal(o.dropbox.serviceUrl, 'http://127.0.0.1:8282');
    assert.equal(o.dropbox.teamRoot, true);
    assert.equal(o.dropbox.connectTimeoutMs, 7000);
    assert.equal(o.poolSize, 4);
    assert.equal(o.unreadTimeoutMs, 0);
    assert.deepEqual(o.endpoint, { protocol: 'dropbox', host: '127.0.0.1', port: 8282 });
    assert.deepEqual(dropboxOptionsFromConfig({ ...base, serviceUrl: 'https://dbx.example/base/' }, { token: 'rt' }, true).endpoint, {
      protocol: 'dropbox',
      host: 'dbx.example',
      port: 443,
    });
    assert.equal(normaliseServiceUrl('HTTP://Sim.Example:80/'), 'http://sim.example');
  });

  it('names the field to fix: no app key, a bad app key, a service URL that is no http(s) URL or carries a password, numbers out of range', () => {
    refuses(() => dropboxOptionsFromConfig({ ...base, appKey: ' ' }, { token: 'rt' }, true), 'INVALID_INPUT', /no app key/);
    refuses(() => dropboxOptionsFromConfig({ ...base, appKey: 'abc def' }, { token: 'rt' }, true), 'INVALID_INPUT', /app key may hold only/);
    refuses(() => dropboxOptionsFromConfig({ ...base, serviceUrl: 'localhost:8282' }, { token: 'rt' }, true), 'INVALID_INPUT', /plain http\(s\) base URL/);
    refuses(() => dropboxOptionsFromConfig({ ...base, serviceUrl: 'not a url' }, { token: 'rt' }, true), 'INVALID_INPUT', /not a URL/);
    refuses(
      () => dropboxOptionsFromConfig({ ...base, serviceUrl: 'http://u:p@127.0.0.1:1' }, { token: 'rt' }, true),
      'INVALID_INPUT',
      /plain http\(s\) base URL/,
    );
    refuses(() => dropboxOptionsFromConfig({ ...base, poolSize: '40' }, { token: 'rt' }, true), 'INVALID_INPUT', /Connections/);
    refuses(() => dropboxOptionsFromConfig(base, undefined, true), 'AUTHENTICATION', /Connect to Dropbox/);
    // The fields are checked before the sign-in: the message names what to fix first.
    refuses(() => dropboxOptionsFromConfig({ ...base, appKey: '' }, undefined, true), 'INVALID_INPUT', /no app key/);
    // A sign-in made for the simulator is not used for Dropbox itself, and the other way round.
    const simScope = dropboxSecretScope({ ...base, serviceUrl: 'http://127.0.0.1:8282' });
    refuses(() => dropboxOptionsFromConfig(base, { token: 'rt', scope: simScope }, true), 'AUTHENTICATION', /another app key or service URL/);
    assert.equal(
      dropboxOptionsFromConfig({ ...base, serviceUrl: 'http://127.0.0.1:8282/' }, { token: 'rt', scope: simScope }, false).dropbox.refreshToken,
      'rt',
    );
  });

  it('the secret scope is protocol, service URL and app key; a trailing slash or spaces do not make another service', () => {
    const scope = serverSecretScope(base);
    assert.equal(scope, dropboxSecretScope({ appKey: ' abc123xyz ', serviceUrl: '' }));
    const sim = serverSecretScope({ ...base, serviceUrl: 'http://127.0.0.1:8282' });
    assert.equal(sim, serverSecretScope({ ...base, serviceUrl: 'http://127.0.0.1:8282/' }));
    assert.notEqual(sim, scope);
    assert.notEqual(sim, serverSecretScope({ ...base, serviceUrl: 'http://127.0.0.1:8283' }));
    assert.notEqual(scope, serverSecretScope({ ...base, appKey: 'other' }));
    // The team space is the same account and app: it does not change where the token may go.
    assert.equal(scope, serverSecretScope({ ...base, teamRoot: true }));
    // Not the scope of an SFTP server that happens to have no host.
    assert.notEqual(scope, serverSecretScope({ protocol: 'sftp', host: '', username: '' }));
    // An unparsable URL matches only itself.
    assert.notEqual(serverSecretScope({ ...base, serviceUrl: 'nonsense' }), scope);
  });

  it('a scoped refresh token is used only for its own scope; a bare one only where the deployed settings allow it', () => {
    const here = dropboxSecretScope(base);
    const elsewhere = dropboxSecretScope({ ...base, serviceUrl: 'http://127.0.0.1:9' });
    const stored = parseStoredRefreshToken(scopedRefreshToken('secret-rt', here));
    assert.deepEqual(stored, { token: 'secret-rt', scope: here });
    assert.equal(refreshTokenFor(stored, here, false), 'secret-rt');
    assert.throws(
      () => refreshTokenFor(stored, elsewhere, true),
      (err: unknown) =>
        err instanceof FileBridgeError && err.code === 'AUTHENTICATION' && /another app key or service URL/.test(err.message) && !/secret-rt/.test(err.message),
    );
    const bare = parseStoredRefreshToken(' bare-rt ');
    assert.deepEqual(bare, { token: 'bare-rt' });
    assert.equal(refreshTokenFor(bare, elsewhere, true), 'bare-rt');
    refuses(() => refreshTokenFor(bare, elsewhere, false), 'AUTHENTICATION', /another app key or service URL/);
    refuses(() => refreshTokenFor(undefined, here, true), 'AUTHENTICATION', /not connected/);
    assert.equal(parseStoredRefreshToken(''), undefined);
    assert.equal(parseStoredRefreshToken('{"refreshToken":5}'), undefined);
    assert.equal(parseStoredRefreshToken('{broken'), undefined);
  });

  it('the server options refuse a Dropbox configuration: it has no host and user to connect to', () => {
    refuses(() => serverOptionsFromConfig({ protocol: 'dropbox', host: '', username: '' }, {}, {}), 'INVALID_INPUT', /Unknown protocol/);
  });
});
