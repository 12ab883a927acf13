import { strict as assert } from 'node:assert';
import { FileBridgeError } from '../../../../src/core/errors';
import { file360OptionsFromConfig, file360SecretScope, normaliseFile360Url } from '../../../../src/core/remote/file360-config';
import { serverOptionsFromConfig, serverSecretScope } from '../../../../src/core/remote/server-config';
import { openSession } from '../../../../src/core/remote/connect';

function refuses(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof FileBridgeError && err.code === code && pattern.test(err.message));
}

describe('File 360 configuration (filebridge-server with protocol file360)', () => {
  const base = { protocol: 'file360', apiUrl: '', ssoUrl: '', clientId: 'filebridge', username: '' };

  it('blank URLs are OpenText Core itself; blank user = client credentials; the endpoint is the API host on 443', () => {
    const o = file360OptionsFromConfig(base, { clientSecret: 's3cret' });
    assert.deepEqual(o.file360, {
      apiUrl: 'https://core.opentext.com',
      ssoUrl: 'https://sso.core.opentext.com',
      clientId: 'filebridge',
      clientSecret: 's3cret',
      timeoutMs: 60_000,
    });
    assert.deepEqual(o.endpoint, { protocol: 'file360', host: 'core.opentext.com', port: 443 });
    assert.equal(o.poolSize, 2);
    assert.equal(o.connectRetries, 2);
    assert.equal(o.unreadTimeoutMs, 300_000);
  });

  it('URLs are normalised (trailing slash, host case, default port); a user signs in with the password grant; numbers as typed', () => {
    const o = file360OptionsFromConfig(
      {
        ...base,
        apiUrl: ' http://127.0.0.1:8383/ ',
        ssoUrl: 'HTTPS://SSO.Example.com:443/otds/',
        username: ' sam@example.com ',
        poolSize: '4',
        connectTimeout: '90',
        unreadTimeout: 0,
      },
      { clientSecret: 's', password: 'pw' },
    );
    assert.equal(o.file360.apiUrl, 'http://127.0.0.1:8383');
    assert.equal(o.file360.ssoUrl, 'https://sso.example.com/otds');
    assert.equal(o.file360.username, 'sam@example.com');
    assert.equal(o.file360.password, 'pw');
    assert.equal(o.file360.timeoutMs, 90_000, 'the larger of connect and idle timeout');
    assert.equal(o.poolSize, 4);
    assert.equal(o.unreadTimeoutMs, 0);
    assert.deepEqual(o.endpoint, { protocol: 'file360', host: '127.0.0.1', port: 8383 });
  });

  it('refuses incomplete settings naming the field to fix', () => {
    refuses(() => file360OptionsFromConfig({ ...base, clientId: ' ' }, { clientSecret: 's' }), 'INVALID_INPUT', /"Client id"/);
    refuses(() => file360OptionsFromConfig(base, {}), 'INVALID_INPUT', /"Client secret"/);
    refuses(() => file360OptionsFromConfig({ ...base, username: 'sam' }, { clientSecret: 's' }), 'INVALID_INPUT', /"sam".*"Password".*clear "User"/);
    refuses(() => file360OptionsFromConfig({ ...base, apiUrl: 'core.opentext.com' }, { clientSecret: 's' }), 'INVALID_INPUT', /"API URL".*not a URL/);
    refuses(() => file360OptionsFromConfig({ ...base, ssoUrl: 'ftp://sso.example.com' }, { clientSecret: 's' }), 'INVALID_INPUT', /"SSO URL".*http\(s\)/);
    refuses(() => file360OptionsFromConfig({ ...base, apiUrl: 'https://u:p@core.example.com' }, { clientSecret: 's' }), 'INVALID_INPUT', /"API URL"/);
    refuses(() => file360OptionsFromConfig({ ...base, poolSize: '99' }, { clientSecret: 's' }), 'INVALID_INPUT', /Connections/);
  });

  it('the messages never carry a secret', () => {
    for (const creds of [{ clientSecret: 'TOPSECRET' }, { clientSecret: 'TOPSECRET', password: 'PWSECRET' }]) {
      for (const fields of [
        { ...base, apiUrl: 'nope' },
        { ...base, clientId: '' },
        { ...base, username: 'x' },
      ]) {
        try {
          file360OptionsFromConfig(fields, creds);
        } catch (err) {
          assert.doesNotMatch((err as Error).message, /TOPSECRET|PWSECRET/);
        }
      }
    }
  });

  it('the secret scope: URLs compare normalised, client id and user count, and serverSecretScope delegates to it', () => {
    const a = file360SecretScope({ apiUrl: 'http://127.0.0.1:8383/', ssoUrl: 'http://127.0.0.1:8383', clientId: 'c', username: 'u' });
    assert.equal(a, file360SecretScope({ apiUrl: 'http://127.0.0.1:8383', ssoUrl: 'HTTP://127.0.0.1:8383/', clientId: ' c ', username: 'u' }));
    assert.equal(a, JSON.stringify(['file360', 'http://127.0.0.1:8383', 'http://127.0.0.1:8383', 'c', 'u']));
    assert.equal(file360SecretScope({}), JSON.stringify(['file360', 'https://core.opentext.com', 'https://sso.core.opentext.com', '', '']));
    assert.notEqual(a, file360SecretScope({ apiUrl: 'http://127.0.0.2:8383', ssoUrl: 'http://127.0.0.1:8383', clientId: 'c', username: 'u' }));
    assert.notEqual(a, file360SecretScope({ apiUrl: 'http://127.0.0.1:8383', ssoUrl: 'http://evil.example', clientId: 'c', username: 'u' }));
    assert.notEqual(a, file360SecretScope({ apiUrl: 'http://127.0.0.1:8383', ssoUrl: 'http://127.0.0.1:8383', clientId: 'd', username: 'u' }));
    assert.notEqual(a, file360SecretScope({ apiUrl: 'http://127.0.0.1:8383', ssoUrl: 'http://127.0.0.1:8383', clientId: 'c', username: 'v' }));
    // An unparsable URL matches nothing else (not even the default).
    assert.notEqual(file360SecretScope({ apiUrl: 'bad url' }), file360SecretScope({}));
    assert.equal(
      serverSecretScope({ protocol: 'file360', apiUrl: 'http://127.0.0.1:8383/', ssoUrl: 'http://127.0.0.1:8383', clientId: 'c', username: 'u' }),
      a,
    );
    // A File 360 scope never equals a server's scope for the same user.
    assert.notEqual(serverSecretScope({ protocol: 'sftp', host: '127.0.0.1', port: 8383, username: 'u' }), a);
  });

  it('normaliseFile360Url: blank gives the default', () => {
    assert.equal(normaliseFile360Url('  ', 'https://core.opentext.com', 'API URL'), 'https://core.opentext.com');
    assert.equal(normaliseFile360Url('https://core.example.com:8443/base//', 'x', 'API URL'), 'https://core.example.com:8443/base');
  });

  it('serverOptionsFromConfig refuses a File 360 configuration (it is read by file360OptionsFromConfig)', () => {
    refuses(
      () => serverOptionsFromConfig({ protocol: 'file360', host: 'h', username: 'u' }, { password: 'p' }, {}),
      'INVALID_INPUT',
      /Unknown protocol "file360"/,
    );
  });

  it('openSession does not take a File 360 configuration for an FTP server (File 360 sessions come from createFile360Pool)', async () => {
    await assert.rejects(
      openSession({
        protocol: 'file360',
        host: 'core.opentext.com',
        port: 443,
        username: 'u',
        connectTimeoutMs: 1000,
        idleTimeoutMs: 1000,
        keepaliveIntervalMs: 0,
      }),
      (err: unknown) => err instanceof FileBridgeError && err.code === 'INVALID_INPUT' && /createFile360Pool/.test(err.message),
    );
  });
});
