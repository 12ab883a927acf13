import { strict as assert } from 'node:assert';
import { FileBridgeError } from '../../../../src/core/errors';
import { serverOptionsFromConfig } from '../../../../src/core/remote/server-config';

describe('server configuration', () => {
  const base = { protocol: 'sftp' as const, host: 'sftp.example', username: 'u' };

  it('fills the default port per protocol and converts timeouts from seconds', () => {
    const sftp = serverOptionsFromConfig({ ...base, connectTimeout: '7' }, { password: 'p' }, {});
    assert.equal(sftp.port, 22);
    assert.equal(sftp.connectTimeoutMs, 7000);
    assert.equal(serverOptionsFromConfig({ ...base, protocol: 'ftps-implicit' }, { password: 'p' }, {}).port, 990);
    assert.equal(serverOptionsFromConfig({ ...base, protocol: 'ftp', port: '2121' }, { password: 'p' }, {}).port, 2121);
  });

  it('frees an unread stream after 300 s unless the unread timeout says otherwise (0 = never)', () => {
    assert.equal(serverOptionsFromConfig(base, { password: 'p' }, {}).unreadTimeoutMs, 300_000);
    assert.equal(serverOptionsFromConfig({ ...base, unreadTimeout: '30' }, { password: 'p' }, {}).unreadTimeoutMs, 30_000);
    assert.equal(serverOptionsFromConfig({ ...base, unreadTimeout: 0 }, { password: 'p' }, {}).unreadTimeoutMs, 0);
    assert.throws(() => serverOptionsFromConfig({ ...base, unreadTimeout: '-1' }, { password: 'p' }, {}), /Unread timeout/);
  });

  it('names the field to fix when settings are incomplete or out of range', () => {
    const refuse = (fields: Record<string, unknown>, creds: Record<string, string>, pattern: RegExp): void => {
      assert.throws(
        () => serverOptionsFromConfig({ ...base, ...fields } as never, creds, {}),
        (err: unknown) => err instanceof FileBridgeError && err.code === 'INVALID_INPUT' && pattern.test(err.message),
      );
    };
    refuse({ host: ' ' }, { password: 'p' }, /host/);
    refuse({ username: '' }, { password: 'p' }, /user name/);
    refuse({}, {}, /password or private key/);
    refuse({ port: '70000' }, { password: 'p' }, /Port/);
    refuse({ protocol: 'ftp' }, { privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----' }, /only works with SFTP/);
    refuse({ protocol: 'gopher' }, { password: 'p' }, /Unknown protocol/);
  });

  it('takes one pin per line, ignoring blank lines and # comments', () => {
    const o = serverOptionsFromConfig({ ...base, hostKey: '# partner key\nSHA256:abc\n\n  SHA256:def  \n' }, { password: 'p' }, {});
    assert.deepEqual(o.hostKeyPins, ['SHA256:abc', 'SHA256:def']);
  });

  it('trust on first use pins the learned key for every later connection and reports it once', () => {
    const learned: string[] = [];
    const o = serverOptionsFromConfig({ ...base, trustOnFirstUse: true }, { password: 'p' }, { onHostKeyLearned: (fp) => learned.push(fp) });
    assert.deepEqual(o.hostKeyPins, []);
    o.onHostKeyLearned?.('SHA256:first');
    assert.deepEqual(o.hostKeyPins, ['SHA256:first']);
    assert.deepEqual(learned, ['SHA256:first']);
    const restarted = serverOptionsFromConfig({ ...base, trustOnFirstUse: true }, { password: 'p' }, { learnedHostKey: 'SHA256:first' });
    assert.deepEqual(restarted.hostKeyPins, ['SHA256:first']);
  });
});
