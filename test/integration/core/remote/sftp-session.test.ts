import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { FileBridgeError } from '../../../../src/core/errors';
import type { ServerOptions } from '../../../../src/core/remote/server-options';
import { openSftpSession, type SftpSession } from '../../../../src/core/remote/sftp-session';
import { servers } from '../../../support/dev-servers';
import { retainedArrayBuffers } from '../../../support/memory';
import { optionsFor } from '../../../support/server-options';

const DIR = 'sftp-session-test';

function sha(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Splits data into pieces of random odd sizes, as a real upstream delivers it. */
function oddChunks(data: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < data.length;) {
    const size = 1 + Math.floor(Math.random() * 100_000);
    chunks.push(data.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

function code(expected: string, pattern?: RegExp): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof FileBridgeError, `expected a FileBridgeError, got ${err instanceof Error ? err.stack : String(err)}`);
    assert.equal(err.code, expected, err.message);
    if (pattern) assert.match(err.message, pattern);
    return true;
  };
}

/** Takes one chunk and leaves the stream paused (no chunk is lost to a missing listener). */
function firstChunk(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.once('data', (chunk: Buffer) => {
      stream.pause();
      stream.off('error', reject);
      resolve(chunk);
    });
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A TCP relay in front of sshd that can stop relaying (a hung server or a dead network path) or
 * never connect upstream at all (a server that accepts but never speaks).
 */
class Relay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  frozen = false;

  constructor(
    private readonly targetPort: number,
    private readonly silent = false,
  ) {}

  async start(): Promise<number> {
    this.server = createServer((client) => {
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => undefined);
      if (this.silent) return;
      const upstream = connect(this.targetPort, '127.0.0.1');
      this.sockets.add(upstream);
      upstream.on('close', () => {
        this.sockets.delete(upstream);
        client.destroy();
      });
      upstream.on('error', () => undefined);
      client.on('close', () => upstream.destroy());
      client.on('data', (data: Buffer) => {
        if (!this.frozen) upstream.write(data);
      });
      upstream.on('data', (data: Buffer) => {
        if (!this.frozen) client.write(data);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

describe('SFTP session against a real sshd', function () {
  this.timeout(120_000);
  const open: SftpSession[] = [];

  async function session(overrides: Partial<ServerOptions> = {}): Promise<SftpSession> {
    const s = await openSftpSession(optionsFor('sftp', overrides));
    open.push(s);
    return s;
  }

  function local(rel: string): string {
    return servers().localPath(`${DIR}/${rel}`);
  }

  beforeEach(async () => {
    await servers().remove(DIR);
    await servers().mkdirp(DIR);
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    await servers().startAll();
  });

  after(() => servers().remove(DIR));

  describe('connecting', () => {
    it("logs in with a password and reports the server's host key", async () => {
      const s = await session();
      const sftp = servers().sftp;
      assert.equal(s.alive, true);
      assert.equal(s.protocol, 'sftp');
      assert.equal(s.hostKeyFingerprint, sftp.hostKeyFingerprints.ed25519);
      assert.equal(s.hostKeyType, 'ssh-ed25519');
      await s.ping();
      await s.close();
      assert.equal(s.alive, false);
      await s.close();
    });

    it('logs in with an OpenSSH key, and with an encrypted PEM key and its passphrase', async () => {
      const sftp = servers().sftp;
      const plain = await session({ password: undefined, privateKey: sftp.privateKey });
      assert.ok(Array.isArray(await plain.list(DIR)));
      const encrypted = await session({ password: undefined, privateKey: sftp.encryptedPrivateKey, passphrase: sftp.passphrase });
      assert.ok(Array.isArray(await encrypted.list(DIR)));
    });

    it('reads a key whose line breaks were turned into spaces by a text field', async () => {
      const sftp = servers().sftp;
      const flattened = sftp.encryptedPrivateKey.replace(/\r?\n/g, ' ');
      const s = await session({ password: undefined, privateKey: flattened, passphrase: sftp.passphrase });
      assert.equal(s.alive, true);
    });

    it('refuses unusable key text before connecting, with INVALID_INPUT', async () => {
      const sftp = servers().sftp;
      const base = { password: undefined };
      await assert.rejects(session({ ...base, privateKey: sftp.encryptedPrivateKey }), code('INVALID_INPUT', /protected by a passphrase/));
      await assert.rejects(
        session({ ...base, privateKey: sftp.encryptedPrivateKey, passphrase: 'wrong' }),
        code('INVALID_INPUT', /passphrase does not unlock/),
      );
      await assert.rejects(session({ ...base, privateKey: 'not a key at all' }), code('INVALID_INPUT', /could not be read/));
      await assert.rejects(session({ ...base, privateKey: sftp.hostPublicKeys.ed25519 }), code('INVALID_INPUT', /public key/));
    });

    it('reports a wrong password as AUTHENTICATION without echoing it', async () => {
      const secret = 'Wr0ng-Secret-Value';
      await assert.rejects(session({ password: secret }), (err: unknown) => {
        code('AUTHENTICATION', /wrong user name, password or key/)(err);
        const e = err as FileBridgeError;
        assert.ok(!e.message.includes(secret));
        assert.ok(!JSON.stringify(e.details).includes(secret));
        assert.equal(e.retryable, false);
        return true;
      });
    });

    it('refuses a server whose key matches no pin, carrying the presented fingerprint', async () => {
      const sftp = servers().sftp;
      const other = `SHA256:${randomBytes(32).toString('base64').replace(/=+$/, '')}`;
      await assert.rejects(session({ hostKeyPins: [other] }), (err: unknown) => {
        code('HOST_KEY_MISMATCH')(err);
        const e = err as FileBridgeError;
        assert.equal(e.details.fingerprint, sftp.hostKeyFingerprints.ed25519);
        assert.ok(e.message.includes(sftp.hostKeyFingerprints.ed25519));
        assert.ok(e.message.includes(other));
        return true;
      });
    });

    it('refuses a server without pins unless trust on first use is ticked', async () => {
      const sftp = servers().sftp;
      await assert.rejects(session({ hostKeyPins: [] }), (err: unknown) => {
        code('HOST_KEY_MISMATCH', /Host key field/)(err);
        assert.equal((err as FileBridgeError).details.fingerprint, sftp.hostKeyFingerprints.ed25519);
        return true;
      });
      const learned: string[] = [];
      const s = await session({ hostKeyPins: [], trustOnFirstUse: true, onHostKeyLearned: (fp) => void learned.push(fp) });
      assert.deepEqual(learned, [sftp.hostKeyFingerprints.ed25519]);
      assert.equal(s.hostKeyFingerprint, sftp.hostKeyFingerprints.ed25519);
      // With a pin in place trust on first use learns nothing.
      const again: string[] = [];
      await session({ hostKeyPins: learned, trustOnFirstUse: true, onHostKeyLearned: (fp) => void again.push(fp) });
      assert.deepEqual(again, []);
    });

    it('asks for the pinned key type when a known_hosts line pins the RSA key', async () => {
      const sftp = servers().sftp;
      const rsaLine = sftp.knownHostsLines.find((line) => line.includes('ssh-rsa'));
      assert.ok(rsaLine);
      const s = await session({ hostKeyPins: [rsaLine] });
      assert.equal(s.hostKeyType, 'ssh-rsa');
      assert.equal(s.hostKeyFingerprint, sftp.hostKeyFingerprints.rsa);
    });

    it('reports a refused connection as a retryable CONNECTION error', async () => {
      await assert.rejects(session({ port: await freePort() }), (err: unknown) => {
        code('CONNECTION', /refused/)(err);
        assert.equal((err as FileBridgeError).retryable, true);
        return true;
      });
    });

    it('gives up on a server that accepts but never speaks, with TIMEOUT', async () => {
      const relay = new Relay(servers().sftp.port, true);
      const port = await relay.start();
      try {
        const started = Date.now();
        await assert.rejects(session({ port, connectTimeoutMs: 800 }), code('TIMEOUT'));
        assert.ok(Date.now() - started < 5000);
      } finally {
        await relay.stop();
      }
    });
  });

  describe('operations', () => {
    it('lists a folder with types, sizes and modification times', async () => {
      await servers().writeFile(`${DIR}/list/a.txt`, 'hello');
      await servers().writeFile(`${DIR}/list/b.bin`, randomBytes(1234));
      await servers().mkdirp(`${DIR}/list/sub`);
      symlinkSync('a.txt', local('list/link'));
      const s = await session();
      const entries = (await s.list(`${DIR}/list`)).sort((x, y) => x.name.localeCompare(y.name));
      assert.deepEqual(
        entries.map((e) => [e.name, e.path, e.type]),
        [
          ['a.txt', `${DIR}/list/a.txt`, 'file'],
          ['b.bin', `${DIR}/list/b.bin`, 'file'],
          ['link', `${DIR}/list/link`, 'symlink'],
          ['sub', `${DIR}/list/sub`, 'directory'],
        ],
      );
      const a = entries[0];
      assert.ok(a);
      assert.equal(a.size, 5);
      assert.equal(entries[1]?.size, 1234);
      assert.equal(a.mtimePrecision, 'second');
      assert.equal(a.mtime.getTime(), Math.floor(statSync(local('list/a.txt')).mtimeMs / 1000) * 1000);
      assert.deepEqual(await s.list(`${DIR}/list/sub`), []);
      await assert.rejects(s.list(`${DIR}/missing`), code('NOT_FOUND', /missing/));
      await assert.rejects(s.list(`${DIR}/list/a.txt`), code('INVALID_INPUT', /is a file, not a folder/));
    });

    it('lists a folder of many entries (several READDIR replies)', async () => {
      for (let i = 0; i < 600; i++) writeFileSync(local(`f${String(i).padStart(4, '0')}`), '');
      const s = await session();
      const names = (await s.list(DIR)).map((e) => e.name);
      assert.equal(names.length, 600);
      assert.equal(new Set(names).size, 600);
    });

    it('stats files and folders, and returns undefined for nothing', async () => {
      await servers().writeFile(`${DIR}/st/file.txt`, 'abc');
      const s = await session();
      const file = await s.stat(`${DIR}/st/file.txt`);
      assert.equal(file?.type, 'file');
      assert.equal(file?.size, 3);
      assert.equal(file?.name, 'file.txt');
      assert.equal((await s.stat(`${DIR}/st`))?.type, 'directory');
      assert.equal(await s.stat(`${DIR}/st/none.txt`), undefined);
      assert.equal(await s.stat(`${DIR}/none/none.txt`), undefined);
    });

    it('round-trips random binary data of odd sizes, byte for byte', async () => {
      const s = await session();
      for (const size of [0, 1, 65_537, 1_000_003, 5 * 1024 * 1024 + 7]) {
        const data = randomBytes(size);
        const path = `${DIR}/rt-${size}.bin`;
        const written = await s.write(path, Readable.from(oddChunks(data)));
        assert.equal(written, size);
        assert.equal(sha(await servers().readFile(`${DIR}/rt-${size}.bin`)), sha(data), `upload of ${size} bytes`);
        assert.equal(sha(await readAll(await s.createReadStream(path))), sha(data), `download of ${size} bytes`);
        for (const start of [1, Math.floor(size / 3), size - 1, size, size + 10]) {
          if (start < 0) continue;
          const part = await readAll(await s.createReadStream(path, { start }));
          assert.equal(sha(part), sha(data.subarray(start)), `download of ${size} bytes from ${start}`);
        }
      }
    });

    it('keeps order with tiny requests (thousands in flight over the session)', async () => {
      const data = randomBytes(3_000_017);
      await servers().writeFile(`${DIR}/tiny.bin`, data);
      const s = await session();
      s.tuning = { readChunkSize: 4096, readConcurrency: 64, writeBlockSize: 4096, writeConcurrency: 64 };
      assert.equal(sha(await readAll(await s.createReadStream(`${DIR}/tiny.bin`))), sha(data));
      await s.write(`${DIR}/tiny-up.bin`, Readable.from(oddChunks(data)));
      assert.equal(sha(await servers().readFile(`${DIR}/tiny-up.bin`)), sha(data));
    });

    it('replaces a longer existing file completely on write', async () => {
      await servers().writeFile(`${DIR}/replace.txt`, 'x'.repeat(10_000));
      const s = await session();
      await s.write(`${DIR}/replace.txt`, Readable.from([Buffer.from('short')]));
      assert.equal((await servers().readFile(`${DIR}/replace.txt`)).toString(), 'short');
    });

    it('runs many operations at once on one session', async () => {
      const files = Array.from({ length: 20 }, (_, i) => ({ name: `${DIR}/many-${i}.bin`, data: randomBytes(100_000 + i) }));
      const s = await session();
      await Promise.all(files.map((f) => s.write(f.name, Readable.from([f.data]))));
      const back = await Promise.all(files.map(async (f) => sha(await readAll(await s.createReadStream(f.name)))));
      assert.deepEqual(
        back,
        files.map((f) => sha(f.data)),
      );
    });

    it('reports reading a missing file, a folder and an unreadable file with their codes', async () => {
      const s = await session();
      await assert.rejects(s.createReadStream(`${DIR}/nope.txt`), code('NOT_FOUND', /nope\.txt/));
      await assert.rejects(s.createReadStream(DIR), code('INVALID_INPUT', /is a folder/));
      await assert.rejects(s.write(DIR, Readable.from([Buffer.from('x')])), code('CONFLICT', /folder of that name is in the way/));
      // Owned by root and mode 000: the test user may see it but not open it.
      writeFileSync(local('locked.txt'), 'secret');
      chmodSync(local('locked.txt'), 0o000);
      assert.equal(lstatSync(local('locked.txt')).uid, 0);
      await assert.rejects(s.createReadStream(`${DIR}/locked.txt`), code('PERMISSION_DENIED', /locked\.txt/));
      mkdirSync(local('rootdir'), { mode: 0o755 });
      await assert.rejects(s.write(`${DIR}/rootdir/new.txt`, Readable.from([Buffer.from('x')])), code('PERMISSION_DENIED'));
      writeFileSync(local('rootdir/kept.txt'), 'x');
      await assert.rejects(s.deleteFile(`${DIR}/rootdir/kept.txt`), code('PERMISSION_DENIED', /kept\.txt/));
      await assert.rejects(s.mkdir(`${DIR}/rootdir/sub`, true), code('PERMISSION_DENIED'));
      assert.ok(s.alive, 'refusals must not break the session');
    });

    it('renames, refuses to replace without overwrite, and replaces with it', async () => {
      await servers().writeFile(`${DIR}/r/a.txt`, 'A');
      await servers().writeFile(`${DIR}/r/b.txt`, 'B');
      const s = await session();
      await s.rename(`${DIR}/r/a.txt`, `${DIR}/r/c.txt`);
      assert.equal((await servers().readFile(`${DIR}/r/c.txt`)).toString(), 'A');
      assert.equal(await servers().exists(`${DIR}/r/a.txt`), false);
      await assert.rejects(s.rename(`${DIR}/r/c.txt`, `${DIR}/r/b.txt`), code('CONFLICT', /already exists/));
      assert.equal((await servers().readFile(`${DIR}/r/b.txt`)).toString(), 'B');
      await s.rename(`${DIR}/r/c.txt`, `${DIR}/r/b.txt`, true);
      assert.equal((await servers().readFile(`${DIR}/r/b.txt`)).toString(), 'A');
      assert.equal(await servers().exists(`${DIR}/r/c.txt`), false);
      await assert.rejects(s.rename(`${DIR}/r/gone.txt`, `${DIR}/r/x.txt`), code('NOT_FOUND'));
      await assert.rejects(s.rename(`${DIR}/r/gone.txt`, `${DIR}/r/x.txt`, true), code('NOT_FOUND'));
      await servers().mkdirp(`${DIR}/r/dir`);
      await s.rename(`${DIR}/r/dir`, `${DIR}/r/dir2`);
      assert.equal((await s.stat(`${DIR}/r/dir2`))?.type, 'directory');
    });

    it('deletes files and empty folders, and says why it cannot', async () => {
      await servers().writeFile(`${DIR}/d/full/f.txt`, 'x');
      await servers().mkdirp(`${DIR}/d/empty`);
      const s = await session();
      await s.deleteFile(`${DIR}/d/full/f.txt`);
      assert.equal(await servers().exists(`${DIR}/d/full/f.txt`), false);
      await assert.rejects(s.deleteFile(`${DIR}/d/full/f.txt`), code('NOT_FOUND'));
      await s.removeDir(`${DIR}/d/empty`);
      assert.equal(await servers().exists(`${DIR}/d/empty`), false);
      await servers().writeFile(`${DIR}/d/full/g.txt`, 'x');
      await assert.rejects(s.removeDir(`${DIR}/d/full`), code('CONFLICT', /not empty/));
      await assert.rejects(s.removeDir(`${DIR}/d/none`), code('NOT_FOUND'));
    });

    it('creates folders with their parents, accepts existing ones, refuses a file in the way', async () => {
      const s = await session();
      await s.mkdir(`${DIR}/m/a/b/c`, true);
      assert.ok(statSync(local('m/a/b/c')).isDirectory());
      await s.mkdir(`${DIR}/m/a/b/c`, true);
      await s.mkdir(`${DIR}/m/a`, false);
      await s.mkdir(`${DIR}/m/a/new`, false);
      assert.ok(statSync(local('m/a/new')).isDirectory());
      await assert.rejects(s.mkdir(`${DIR}/m/x/y`, false), code('NOT_FOUND'));
      await servers().writeFile(`${DIR}/m/file`, 'x');
      await assert.rejects(s.mkdir(`${DIR}/m/file`, true), code('CONFLICT', /file of that name is in the way/));
      await assert.rejects(s.mkdir(`${DIR}/m/file/sub/deeper`, true), code('CONFLICT', /"[^"]*m\/file"/));
      const absolute = `${servers().root}/${DIR}/m/abs/olute`;
      await s.mkdir(absolute, true);
      assert.ok(statSync(local('m/abs/olute')).isDirectory());
    });
  });

  describe('flow control and failures', () => {
    it('holds memory flat while a slow consumer does not read', async () => {
      const data = randomBytes(64 * 1024 * 1024);
      await servers().writeFile(`${DIR}/big.bin`, data);
      const s = await session();
      const baseline = await retainedArrayBuffers();
      const stream = await s.createReadStream(`${DIR}/big.bin`);
      const bytesRead = (): number => (stream as Readable & { bytesRead: number }).bytesRead;
      const hash = createHash('sha256');
      const first = await firstChunk(stream);
      hash.update(first);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const early = { delivered: bytesRead(), held: (await retainedArrayBuffers()) - baseline };
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const delivered = bytesRead();
      const held = (await retainedArrayBuffers()) - baseline;
      // Budget 4 MiB (the read buffers are allocated when a request goes out) + 1 MiB high-water mark.
      assert.ok(delivered < 6 * 1024 * 1024, `stream pulled ${delivered} bytes that nobody read`);
      assert.ok(held < 7 * 1024 * 1024, `${held} bytes of buffers held while paused`);
      // Flat: once the replies in transit have landed nothing more is requested or kept.
      assert.equal(delivered, early.delivered, `the stream went on pulling while paused: ${early.delivered} then ${delivered} bytes`);
      assert.ok(held - early.held < 1024 * 1024, `buffers grew from ${early.held} to ${held} bytes while paused`);
      // Then a consumer that reads slowly still gets every byte.
      let n = first.length;
      stream.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        n += chunk.length;
      });
      stream.resume();
      await new Promise((resolve, reject) => {
        stream.on('end', resolve);
        stream.on('error', reject);
      });
      assert.equal(n, data.length);
      assert.equal(hash.digest('hex'), sha(data));
    });

    it('fails a transfer with CONNECTION when the server goes away mid-way', async () => {
      const data = randomBytes(64 * 1024 * 1024);
      await servers().writeFile(`${DIR}/big.bin`, data);
      const s = await session();
      const stream = await s.createReadStream(`${DIR}/big.bin`);
      const first = await firstChunk(stream);
      assert.ok(first.length > 0);
      // Listen before stopping: the failure may arrive while the stream is still paused.
      const failed = new Promise<void>((resolve, reject) => {
        stream.on('end', () => reject(new Error('the stream ended normally although the server was stopped')));
        stream.on('error', reject);
      });
      await servers().sftp.stop();
      stream.resume();
      await assert.rejects(failed, (err: unknown) => {
        code('CONNECTION', /big\.bin/)(err);
        assert.equal((err as FileBridgeError).retryable, true);
        return true;
      });
      assert.equal(s.alive, false);
      await assert.rejects(s.ping(), code('CONNECTION'));
      await assert.rejects(s.stat(`${DIR}/big.bin`), code('CONNECTION'));
      await assert.rejects(s.write(`${DIR}/x.bin`, Readable.from([data.subarray(0, 10)])), code('CONNECTION'));
      await servers().sftp.start();
    });

    it('fails an upload with CONNECTION when the server goes away mid-way', async () => {
      const s = await session();
      let sent = 0;
      let stopped: Promise<void> | undefined;
      const source = new Readable({
        read() {
          sent += 1 << 20;
          if (sent === 8 << 20) stopped = servers().sftp.stop();
          this.push(sent > 256 << 20 ? null : randomBytes(1 << 20));
        },
      });
      await assert.rejects(s.write(`${DIR}/up.bin`, source), code('CONNECTION', /up\.bin/));
      assert.equal(s.alive, false);
      assert.ok(stopped);
      await stopped;
      await servers().sftp.start();
    });

    it('closes the session with TIMEOUT when the server stops answering', async () => {
      const relay = new Relay(servers().sftp.port);
      const port = await relay.start();
      try {
        const s = await session({ port, idleTimeoutMs: 800, keepaliveIntervalMs: 0 });
        await servers().writeFile(`${DIR}/t.bin`, randomBytes(20 * 1024 * 1024));
        const stream = await s.createReadStream(`${DIR}/t.bin`);
        await firstChunk(stream);
        relay.frozen = true;
        const started = Date.now();
        await assert.rejects(readAll(stream), code('TIMEOUT', /did not answer for 0\.8 s/));
        const waited = Date.now() - started;
        assert.ok(waited >= 700 && waited < 5000, `timed out after ${waited} ms`);
        assert.equal(s.alive, false);
        await assert.rejects(s.stat(`${DIR}/t.bin`), code('TIMEOUT'));
      } finally {
        await relay.stop();
      }
    });

    it('does not time out a consumer that is merely slow', async () => {
      await servers().writeFile(`${DIR}/slow.bin`, randomBytes(12 * 1024 * 1024));
      const s = await session({ idleTimeoutMs: 500 });
      const stream = await s.createReadStream(`${DIR}/slow.bin`);
      await firstChunk(stream);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(s.alive, true);
      stream.destroy();
      assert.ok(await s.stat(`${DIR}/slow.bin`));
    });
  });
});
