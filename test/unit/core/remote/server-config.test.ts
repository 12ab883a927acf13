import { strict as assert } from 'node:assert';
import { FileBridgeError } from '../../../../src/core/errors';
import { MemoryStore } from '../../../../src/core/key-value-store';
import { learnsHostKey, serverLabel, serverOptionsFromConfig, serverSecretScope } from '../../../../src/core/remote/server-config';

describe('server configuration', () => {
  const base = { protocol: 'sftp' as const, host: 'sftp.example', username: 'u' };

  it('names a configuration by protocol and host, a Dropbox one by its service, a File 360 one by API host and user', () => {
    assert.equal(serverLabel(base), 'sftp://sftp.example:22');
    assert.equal(serverLabel({ ...base, protocol: 'ftps-implicit', port: '2990' }), 'ftps-implicit://sftp.example:2990');
    assert.equal(serverLabel({ protocol: 'dropbox', host: '', username: '' }), 'dropbox://dropbox.com');
    assert.equal(
      serverLabel({ protocol: 'dropbox', host: '', username: '', serviceUrl: ' http://127.0.0.1:8282/ ', teamRoot: true }),
      'dropbox://127.0.0.1:8282 (team space)',
    );
    assert.equal(serverLabel({ protocol: 'file360', host: '', username: '', clientId: 'app' }), 'file360://core.opentext.com (client app)');
    assert.equal(
      serverLabel({ protocol: 'file360', host: '', username: ' ann@example.com ', apiUrl: 'https://eu.core.opentext.com/' }),
      'file360://eu.core.opentext.com (ann@example.com)',
    );
  });

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

  it('trust on first use pins the learned key for every later connection, reports it once, and a restart loads it from the memory', async () => {
    const learned: string[] = [];
    const memory = new MemoryStore();
    const o = serverOptionsFromConfig(
      { ...base, trustOnFirstUse: true },
      { password: 'p' },
      { hostKeyMemory: memory, onHostKeyLearned: (fp) => learned.push(fp) },
    );
    await o.beforeConnect?.();
    assert.deepEqual(o.hostKeyPins, []);
    await o.onHostKeyLearned?.('SHA256:first');
    assert.deepEqual(o.hostKeyPins, ['SHA256:first']);
    assert.deepEqual(learned, ['SHA256:first']);
    const restarted = serverOptionsFromConfig({ ...base, trustOnFirstUse: true }, { password: 'p' }, { hostKeyMemory: memory });
    assert.deepEqual(restarted.hostKeyPins, []);
    await restarted.beforeConnect?.();
    assert.deepEqual(restarted.hostKeyPins, ['SHA256:first']);
  });

  it('learns only with trust on first use ticked, for SFTP, and no key pinned', () => {
    assert.equal(learnsHostKey({ ...base, trustOnFirstUse: true }), true);
    assert.equal(learnsHostKey({ ...base, trustOnFirstUse: true, hostKey: '# comment only\n' }), true);
    assert.equal(learnsHostKey({ ...base, trustOnFirstUse: true, hostKey: 'SHA256:abc' }), false);
    assert.equal(learnsHostKey({ ...base, trustOnFirstUse: false }), false);
    assert.equal(learnsHostKey({ ...base, protocol: 'ftps-explicit', trustOnFirstUse: true }), false);
  });

  it('secret scope: the same for one destination however the dialog writes it, different for another protocol, host, port or user', () => {
    const deployed = serverSecretScope({ protocol: 'sftp', host: 'sftp.example', port: 22, username: 'u' });
    for (const same of [
      { protocol: 'sftp', host: 'sftp.example', port: '22', username: 'u' },
      { protocol: 'sftp', host: ' SFTP.Example ', port: '', username: 'u ' },
      { protocol: 'sftp', host: 'sftp.example', username: 'u', hostKey: 'SHA256:other', connectTimeout: '5' },
    ]) {
      assert.equal(serverSecretScope(same), deployed, JSON.stringify(same));
    }
    for (const other of [
      { protocol: 'ftp', host: 'sftp.example', port: 22, username: 'u' },
      { protocol: 'sftp', host: 'sftp.example.evil', port: 22, username: 'u' },
      { protocol: 'sftp', host: 'sftp.example', port: 2222, username: 'u' },
      { protocol: 'sftp', host: 'sftp.example', port: 22, username: 'U' },
      { protocol: 'sftp', host: 'sftp.example', port: '22x', username: 'u' },
      { protocol: 'sftp', host: { toString: () => 'sftp.example' }, port: 22, username: 'u' },
    ]) {
      assert.notEqual(serverSecretScope(other), deployed, JSON.stringify(other));
    }
    // ftps-explicit and plain ftp share port 21 but not the scope: the password would travel in clear.
    assert.notEqual(
      serverSecretScope({ protocol: 'ftp', host: 'h', username: 'u' }),
      serverSecretScope({ protocol: 'ftps-explicit', host: 'h', username: 'u' }),
    );
  });
});
