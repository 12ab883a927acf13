import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { type TLSSocket } from 'node:tls';
import { Client as FtpClient, type AccessOptions } from 'basic-ftp';
import { Client as SshClient, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { servers } from '../../support/dev-servers';

const DIR = 'devservers-test';

// --- small promise wrappers so each test reads as the scenario it checks ---

interface SshSession {
  client: SshClient;
  sftp: SFTPWrapper;
  /** SHA256 fingerprint (ssh-keygen style) of the host key the server presented. */
  hostKeyFingerprint: string;
}

function sshFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

function sftpConnect(config: ConnectConfig): Promise<SshSession> {
  return new Promise((resolve, reject) => {
    const client = new SshClient();
    let hostKeyFingerprint = '';
    client.once('error', reject);
    client.once('ready', () => {
      client.sftp((err, sftp) => {
        if (err) {
          client.end();
          reject(err);
        } else resolve({ client, sftp, hostKeyFingerprint });
      });
    });
    client.connect({
      readyTimeout: 10_000,
      ...config,
      hostVerifier: (key: Buffer) => {
        hostKeyFingerprint = sshFingerprint(key);
        return true;
      },
    });
  });
}

function readdirNames(sftp: SFTPWrapper, path: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    sftp.readdir(path, (err, list) => (err ? reject(err) : resolve(list.map((e) => e.filename).sort())));
  });
}

function sftpWrite(sftp: SFTPWrapper, path: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    sftp.writeFile(path, data, (err) => (err ? reject(err) : resolve()));
  });
}

function sftpRead(sftp: SFTPWrapper, path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    sftp.readFile(path, (err, data) => (err ? reject(err) : resolve(data)));
  });
}

function sftpRename(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    sftp.rename(from, to, (err) => (err ? reject(err) : resolve()));
  });
}

function sftpRealpath(sftp: SFTPWrapper, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    sftp.realpath(path, (err, abs) => (err ? reject(err) : resolve(abs)));
  });
}

async function ftpConnect(options: AccessOptions): Promise<FtpClient> {
  const client = new FtpClient(10_000);
  try {
    await client.access(options);
    return client;
  } catch (err) {
    client.close();
    throw err;
  }
}

async function ftpRoundTrip(client: FtpClient, name: string): Promise<void> {
  const s = servers();
  const payload = randomBytes(256 * 1024);
  await client.uploadFrom(Readable.from([payload]), `${DIR}/${name}`);
  assert.deepEqual(await s.readFile(`${DIR}/${name}`), payload, 'the upload landed in the shared home');

  const sent = randomBytes(100_000);
  await s.writeFile(`${DIR}/from-server-${name}`, sent);
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  await client.downloadTo(sink, `${DIR}/from-server-${name}`);
  assert.deepEqual(Buffer.concat(chunks), sent);

  const names = (await client.list(DIR)).map((f) => f.name);
  assert.ok(names.includes(name) && names.includes(`from-server-${name}`), `listing shows both files: ${names.join(', ')}`);
}

function tlsErrorCode(err: unknown): string {
  return err instanceof Error && 'code' in err ? String(err.code) : String(err);
}

const CERT_REFUSALS = ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'];

describe('dev servers', function () {
  beforeEach(async function () {
    await servers().remove(DIR);
    await servers().mkdirp(DIR);
  });

  after(async function () {
    await servers().startAll();
    await servers().remove(DIR);
  });

  describe('sshd (SFTP)', function () {
    it('logs in with the password, presents a known host key and lands in the shared home', async function () {
      const s = servers();
      await s.writeFile(`${DIR}/hello.txt`, 'hello');
      const session = await sftpConnect({ host: s.sftp.host, port: s.sftp.port, username: s.username, password: s.password });
      try {
        assert.ok(Object.values(s.sftp.hostKeyFingerprints).includes(session.hostKeyFingerprint));
        assert.equal(await sftpRealpath(session.sftp, '.'), s.root);
        assert.ok((await readdirNames(session.sftp, '.')).includes(DIR));
        assert.deepEqual(await readdirNames(session.sftp, DIR), ['hello.txt']);
      } finally {
        session.client.end();
      }
    });

    it('logs in with the plain ed25519 key', async function () {
      const s = servers();
      const session = await sftpConnect({ host: s.sftp.host, port: s.sftp.port, username: s.username, privateKey: s.sftp.privateKey });
      try {
        assert.ok((await readdirNames(session.sftp, '.')).includes(DIR));
      } finally {
        session.client.end();
      }
    });

    it('logs in with the passphrase-protected PEM RSA key', async function () {
      const s = servers();
      assert.match(s.sftp.encryptedPrivateKey, /^-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED/);
      const session = await sftpConnect({
        host: s.sftp.host,
        port: s.sftp.port,
        username: s.username,
        privateKey: s.sftp.encryptedPrivateKey,
        passphrase: s.sftp.passphrase,
      });
      try {
        assert.ok((await readdirNames(session.sftp, '.')).includes(DIR));
      } finally {
        session.client.end();
      }
    });

    it('refuses a wrong password', async function () {
      const s = servers();
      await assert.rejects(
        sftpConnect({ host: s.sftp.host, port: s.sftp.port, username: s.username, password: `${s.password}x` }),
        /authentication methods failed/,
      );
    });

    it('offers both host keys with the advertised fingerprints and known_hosts lines', async function () {
      const s = servers();
      for (const [algorithm, kind] of [
        ['ssh-ed25519', 'ed25519'],
        ['rsa-sha2-512', 'rsa'],
      ] as const) {
        const session = await sftpConnect({
          host: s.sftp.host,
          port: s.sftp.port,
          username: s.username,
          password: s.password,
          algorithms: { serverHostKey: [algorithm] },
        });
        session.client.end();
        assert.equal(session.hostKeyFingerprint, s.sftp.hostKeyFingerprints[kind]);
        const line = s.sftp.knownHostsLines.find((l) => l.includes(s.sftp.hostPublicKeys[kind]));
        assert.ok(line?.startsWith(`[127.0.0.1]:${s.sftp.port} `), `known_hosts line for ${kind}`);
        const keyBase64 = s.sftp.hostPublicKeys[kind].split(' ')[1] ?? '';
        assert.equal(sshFingerprint(Buffer.from(keyBase64, 'base64')), s.sftp.hostKeyFingerprints[kind]);
      }
    });

    it('uploads and downloads, and renames a file the helpers created', async function () {
      const s = servers();
      const payload = randomBytes(300_000);
      await s.writeFile(`${DIR}/local.bin`, payload);
      const session = await sftpConnect({ host: s.sftp.host, port: s.sftp.port, username: s.username, privateKey: s.sftp.privateKey });
      try {
        assert.deepEqual(await sftpRead(session.sftp, `${DIR}/local.bin`), payload);
        const up = randomBytes(200_000);
        await sftpWrite(session.sftp, `${DIR}/up.bin`, up);
        assert.deepEqual(await s.readFile(`${DIR}/up.bin`), up);
        // Only possible because the helpers chown to the test user.
        await sftpRename(session.sftp, `${DIR}/local.bin`, `${DIR}/renamed.bin`);
        assert.equal(await s.exists(`${DIR}/local.bin`), false);
        assert.equal(await s.exists(`${DIR}/renamed.bin`), true);
      } finally {
        session.client.end();
      }
    });

    it('stop() drops open sessions and refuses new ones; start() serves again on the same port', async function () {
      const s = servers();
      const port = s.sftp.port;
      const session = await sftpConnect({ host: s.sftp.host, port, username: s.username, password: s.password });
      const closed = new Promise<void>((resolve) => session.client.once('close', () => resolve()));
      try {
        await s.sftp.stop();
        assert.equal(s.sftp.running, false);
        await closed; // the open session died with the server
        await assert.rejects(
          sftpConnect({ host: s.sftp.host, port, username: s.username, password: s.password }),
          (err: unknown) => tlsErrorCode(err) === 'ECONNREFUSED',
        );
      } finally {
        await s.sftp.start();
      }
      assert.equal(s.sftp.port, port);
      const again = await sftpConnect({ host: s.sftp.host, port, username: s.username, privateKey: s.sftp.privateKey });
      try {
        assert.ok(Object.values(s.sftp.hostKeyFingerprints).includes(again.hostKeyFingerprint), 'same host keys after restart');
        assert.ok((await readdirNames(again.sftp, '.')).includes(DIR));
      } finally {
        again.client.end();
      }
    });
  });

  describe('vsftpd (FTP / FTPS)', function () {
    it('plain FTP: logs in, uploads, downloads and lists in the shared home', async function () {
      const s = servers();
      const client = await ftpConnect({ host: s.ftp.host, port: s.ftp.port, user: s.username, password: s.password });
      try {
        assert.equal(await client.pwd(), s.root);
        await ftpRoundTrip(client, 'plain.bin');
      } finally {
        client.close();
      }
    });

    it('explicit FTPS trusting the test CA: encrypted, presents the test certificate, transfers with TLS session reuse', async function () {
      const s = servers();
      const client = await ftpConnect({
        host: s.ftp.host,
        port: s.ftp.port,
        user: s.username,
        password: s.password,
        secure: true,
        secureOptions: { ca: s.certs.ca.cert.pem },
      });
      try {
        const socket = client.ftp.socket as TLSSocket;
        assert.equal(socket.encrypted, true);
        assert.equal(socket.getPeerCertificate().fingerprint256, s.certs.server.fingerprint256);
        // vsftpd keeps require_ssl_reuse=YES, so these data transfers prove basic-ftp resumes sessions.
        await ftpRoundTrip(client, 'explicit.bin');
      } finally {
        client.close();
      }
    });

    it('explicit FTPS with default verification (no CA given) is refused', async function () {
      const s = servers();
      await assert.rejects(ftpConnect({ host: s.ftp.host, port: s.ftp.port, user: s.username, password: s.password, secure: true }), (err: unknown) =>
        CERT_REFUSALS.includes(tlsErrorCode(err)),
      );
    });

    it('explicit FTPS trusting only an unrelated CA is refused', async function () {
      const s = servers();
      await assert.rejects(
        ftpConnect({
          host: s.ftp.host,
          port: s.ftp.port,
          user: s.username,
          password: s.password,
          secure: true,
          secureOptions: { ca: s.certs.otherCa.cert.pem },
        }),
        (err: unknown) => CERT_REFUSALS.includes(tlsErrorCode(err)),
      );
    });

    it('implicit FTPS trusting the test CA: logs in, uploads and downloads', async function () {
      const s = servers();
      const client = await ftpConnect({
        host: s.ftpsImplicit.host,
        port: s.ftpsImplicit.port,
        user: s.username,
        password: s.password,
        secure: 'implicit',
        secureOptions: { ca: s.certs.ca.cert.pem },
      });
      try {
        assert.equal((client.ftp.socket as TLSSocket).getPeerCertificate().fingerprint256, s.certs.server.fingerprint256);
        await ftpRoundTrip(client, 'implicit.bin');
      } finally {
        client.close();
      }
    });

    it('implicit FTPS refuses a plain FTP client', async function () {
      const s = servers();
      const client = new FtpClient(1_500);
      try {
        await assert.rejects(client.access({ host: s.ftpsImplicit.host, port: s.ftpsImplicit.port, user: s.username, password: s.password }));
      } finally {
        client.close();
      }
    });

    it('refuses a wrong password', async function () {
      const s = servers();
      await assert.rejects(ftpConnect({ host: s.ftp.host, port: s.ftp.port, user: s.username, password: `${s.password}x` }), /530/);
    });

    for (const which of ['ftp', 'ftpsImplicit'] as const) {
      it(`${which}: stop() drops sessions and refuses new ones; start() serves again on the same port`, async function () {
        const s = servers();
        const server = s[which];
        const options: AccessOptions = {
          host: server.host,
          port: server.port,
          user: s.username,
          password: s.password,
          ...(which === 'ftpsImplicit' ? { secure: 'implicit' as const, secureOptions: { ca: s.certs.ca.cert.pem } } : {}),
        };
        const client = await ftpConnect(options);
        try {
          await server.stop();
          assert.equal(server.running, false);
          await assert.rejects(client.list('.'), 'the open session died with the server');
          await assert.rejects(ftpConnect(options), (err: unknown) => tlsErrorCode(err) === 'ECONNREFUSED');
        } finally {
          client.close();
          await server.start();
        }
        const again = await ftpConnect(options);
        try {
          await ftpRoundTrip(again, `restart-${which}.bin`);
        } finally {
          again.close();
        }
      });
    }
  });

  describe('home helpers', function () {
    it('create files owned by the test user and refuse paths outside the home', async function () {
      const s = servers();
      await s.writeFile(`${DIR}/a/b/c.txt`, 'x');
      const dirOwner = statSync(s.localPath(`${DIR}/a/b`)).uid;
      const fileOwner = statSync(s.localPath(`${DIR}/a/b/c.txt`)).uid;
      const homeOwner = statSync(s.root).uid;
      assert.equal(dirOwner, homeOwner);
      assert.equal(fileOwner, homeOwner);
      assert.notEqual(homeOwner, 0);
      assert.equal((await s.readFile(`${DIR}/a/b/c.txt`)).toString(), 'x');
      assert.throws(() => s.localPath('../escape'), /leaves the test home/);
      assert.throws(() => s.localPath('/etc/passwd'), /relative/);
      await s.remove(`${DIR}/a`);
      assert.equal(await s.exists(`${DIR}/a`), false);
    });
  });
});
