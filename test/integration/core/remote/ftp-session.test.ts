import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { openFtpSession, type FtpSession } from '../../../../src/core/remote/ftp-session';
import { servers } from '../../../support/dev-servers';
import { expectCode } from '../../../support/expect-code';
import { optionsFor } from '../../../support/server-options';
import { startFtpsInterceptor, type FtpsInterceptor } from '../../../support/ftps-interceptor';

/** Reads a download to the end, keeping every chunk that arrived (also when it then fails). */
async function download(session: FtpSession, path: string, arrived: Buffer[]): Promise<Buffer> {
  const stream = await session.createReadStream(path);
  for await (const chunk of stream) arrived.push(chunk as Buffer);
  return Buffer.concat(arrived);
}

/*
 * A pinned FTPS certificate must hold on every TLS connection of a session, not only on the control
 * connection: the data connections carry the listings and the files.
 */
describe('FTPS with a pinned certificate: every data connection is checked against the pin', function () {
  this.timeout(60_000);
  const dir = 'tls-pin';
  const content = 'the real file on the server\n';
  // A forged listing line and file content an interceptor would send instead of the server's.
  const INJECTED = Buffer.from('-rw-r--r--    1 0        0              20 Jan 01 00:00 injected-by-interceptor.txt\r\n');
  let interceptor: FtpsInterceptor | undefined;
  const sessions: FtpSession[] = [];

  beforeEach(async () => {
    const s = servers();
    await s.remove(dir);
    await s.mkdirp(dir);
    await s.writeFile(`${dir}/real.txt`, content);
  });
  afterEach(async () => {
    for (const session of sessions.splice(0)) await session.close();
    await interceptor?.close();
    interceptor = undefined;
  });

  /** A pinned explicit-FTPS session, straight to vsftpd or through the interceptor. */
  async function pinnedSession(through?: FtpsInterceptor): Promise<FtpSession> {
    const s = servers();
    const session = await openFtpSession(
      optionsFor('ftps-explicit', {
        tlsCa: undefined,
        tlsFingerprint: s.certs.server.fingerprint256,
        ...(through ? { host: through.host, port: through.port } : {}),
      }),
    );
    sessions.push(session);
    return session;
  }

  async function intercept(data: 'pinned' | 'other', inject?: Buffer): Promise<FtpsInterceptor> {
    const s = servers();
    interceptor = await startFtpsInterceptor({
      upstream: { host: s.ftp.host, port: s.ftp.port },
      control: s.certs.server,
      data: data === 'pinned' ? s.certs.server : s.certs.selfSigned,
      inject,
    });
    return interceptor;
  }

  it('straight to the server: listing, download and upload pass, with data connections resuming the pinned session', async () => {
    // vsftpd refuses data connections that do not resume the control connection's TLS session
    // (require_ssl_reuse), so these pass only if a resumed session's certificate passes the check.
    const s = servers();
    const session = await pinnedSession();
    assert.deepEqual(
      (await session.list(dir)).map((e) => e.name),
      ['real.txt'],
    );
    assert.equal((await download(session, `${dir}/real.txt`, [])).toString(), content);
    assert.equal(await session.write(`${dir}/up.txt`, Readable.from([Buffer.from('uploaded')])), 8);
    assert.equal((await s.readFile(`${dir}/up.txt`)).toString(), 'uploaded');
  });

  it('through the interceptor presenting the pinned certificate everywhere: everything passes (the harness relays faithfully)', async () => {
    const s = servers();
    const relay = await intercept('pinned');
    const session = await pinnedSession(relay);
    assert.deepEqual(
      (await session.list(dir)).map((e) => e.name),
      ['real.txt'],
    );
    assert.equal((await download(session, `${dir}/real.txt`, [])).toString(), content);
    const upload = randomBytes(64 * 1024);
    assert.equal(await session.write(`${dir}/up.bin`, Readable.from([upload])), upload.length);
    assert.ok((await s.readFile(`${dir}/up.bin`)).equals(upload));
    assert.equal(relay.dataConnections, 3);
    assert.equal(relay.dataHandshakes, 3);
    assert.equal(relay.bytesFromClient, upload.length);
  });

  it('a different certificate on the data connection: the listing fails with TLS naming both fingerprints, nothing injected arrives', async () => {
    const s = servers();
    const mitm = await intercept('other', INJECTED);
    const session = await pinnedSession(mitm);
    let listed: string[] | undefined;
    const listing = session.list(dir).then((entries) => {
      listed = entries.map((e) => e.name);
    });
    await listing.catch(() => undefined);
    assert.equal(listed, undefined, `a listing arrived through the interceptor: ${String(listed)}`);
    const err = await expectCode(listing, 'TLS');
    assert.ok(err.message.includes(s.certs.selfSigned.fingerprint256), err.message);
    assert.ok(err.message.includes(s.certs.server.fingerprint256), err.message);
    assert.match(err.message, /data connection/);
    assert.equal(err.details.fingerprint, s.certs.selfSigned.fingerprint256);
    // The data connection did reach the interceptor (it is the one refused), and the session is not used again.
    assert.equal(mitm.dataConnections, 1);
    assert.equal(mitm.bytesFromClient, 0);
    assert.equal(session.alive, false);
  });

  it('a different certificate on the data connection: the download fails with TLS, no injected byte reaches the reader', async () => {
    const mitm = await intercept('other', INJECTED);
    const session = await pinnedSession(mitm);
    const arrived: Buffer[] = [];
    const reading = download(session, `${dir}/real.txt`, arrived);
    await reading.catch(() => undefined);
    assert.equal(Buffer.concat(arrived).length, 0, `bytes arrived through the interceptor: ${Buffer.concat(arrived).toString()}`);
    await expectCode(reading, 'TLS', /not the pinned/);
    assert.equal(mitm.dataConnections, 1);
    assert.equal(session.alive, false);
  });

  it('a different certificate on the data connection: the upload fails with TLS and sends the interceptor nothing', async () => {
    const s = servers();
    const mitm = await intercept('other');
    const session = await pinnedSession(mitm);
    const secret = Buffer.from('confidential upload the interceptor must not read\n'.repeat(1000));
    const writing = session.write(`${dir}/secret.txt`, Readable.from([secret]));
    await writing.catch(() => undefined);
    assert.equal(mitm.bytesFromClient, 0, 'the interceptor read the upload');
    await expectCode(writing, 'TLS', /not the pinned/);
    assert.equal(mitm.dataConnections, 1);
    // vsftpd may have created the file on STOR; none of the content reached it.
    const onServer = (await s.exists(`${dir}/secret.txt`)) ? await s.readFile(`${dir}/secret.txt`) : Buffer.alloc(0);
    assert.equal(onServer.length, 0);
    assert.equal(session.alive, false);
  });
});

/*
 * Plain-FTP downloads hand each read on as a view of its buffer, and the next read goes into the
 * rest of that buffer: a read landing on bytes already handed on would change data the consumer
 * was given earlier.
 */
describe('plain FTP download: reads handed on without a copy', function () {
  this.timeout(60_000);
  const dir = 'ftp-reads';
  let session: FtpSession | undefined;

  beforeEach(async () => {
    const s = servers();
    await s.remove(dir);
    await s.mkdirp(dir);
  });
  afterEach(async () => {
    await session?.close();
    session = undefined;
  });

  it('every chunk keeps its bytes until the end, with a consumer that stalls now and then (reads of all sizes)', async () => {
    const data = randomBytes(8 * 1024 * 1024 + 7);
    await servers().writeFile(`${dir}/big.bin`, data);
    session = await openFtpSession(optionsFor('ftp'));
    const stream = await session.createReadStream(`${dir}/big.bin`);
    const chunks: Buffer[] = [];
    const sizes = new Set<number>();
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      sizes.add((chunk as Buffer).length);
      // Short stalls let the socket fill up by different amounts, so reads come in many sizes and
      // often into the rest of a buffer an earlier read used.
      if (chunks.length % 3 === 0) await new Promise((resolve) => setTimeout(resolve, chunks.length % 2));
    }
    // Compared only now: every chunk must still hold what it held when it was delivered.
    assert.equal(Buffer.concat(chunks).equals(data), true, 'the bytes delivered changed or arrived wrong');
    assert.ok(sizes.size > 1, 'reads of one size only: the test did not exercise partial buffers');
  });

  it('a consumer that stops reading holds the socket, then gets the rest intact', async () => {
    const data = randomBytes(16 * 1024 * 1024);
    await servers().writeFile(`${dir}/paused.bin`, data);
    session = await openFtpSession(optionsFor('ftp'));
    const stream = await session.createReadStream(`${dir}/paused.bin`);
    const chunks: Buffer[] = [];
    const first = await new Promise<Buffer>((resolve, reject) => {
      stream.once('error', reject);
      stream.once('data', (chunk: Buffer) => {
        stream.pause();
        resolve(chunk);
      });
    });
    chunks.push(first);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The data socket stops reading at the stream's high-water mark (1 MiB) plus one read.
    assert.ok(stream.readableLength <= 1024 * 1024 + 512 * 1024, `${stream.readableLength} bytes buffered while paused`);
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    assert.equal(Buffer.concat(chunks).equals(data), true);
  });
});

/* A busy folder polled every second: a listing whose text has not changed is not parsed again. */
describe('FTP listing fingerprint', function () {
  this.timeout(60_000);
  const dir = 'ftp-fingerprint';
  let session: FtpSession | undefined;
  afterEach(async () => {
    await session?.close();
    session = undefined;
  });

  it('the same text gives the same fingerprint and no entries; a byte more in a file or a new file gives entries again', async () => {
    const s = servers();
    await s.remove(dir);
    await s.mkdirp(dir);
    await s.writeFile(`${dir}/a.txt`, 'a');
    session = await openFtpSession(optionsFor('ftp'));
    const first = await session.listUnlessSame(dir, undefined, undefined);
    assert.deepEqual(
      first.entries?.map((e) => [e.name, e.size]),
      [['a.txt', 1]],
    );
    const again = await session.listUnlessSame(dir, undefined, first.fingerprint);
    assert.equal(again.fingerprint, first.fingerprint);
    assert.equal(again.entries, undefined);
    await s.writeFile(`${dir}/a.txt`, 'ab');
    const longer = await session.listUnlessSame(dir, undefined, first.fingerprint);
    assert.notEqual(longer.fingerprint, first.fingerprint);
    assert.deepEqual(
      longer.entries?.map((e) => [e.name, e.size]),
      [['a.txt', 2]],
    );
    await s.writeFile(`${dir}/b.txt`, 'b');
    const added = await session.listUnlessSame(dir, undefined, longer.fingerprint);
    assert.deepEqual(added.entries?.map((e) => e.name).sort(), ['a.txt', 'b.txt']);
    assert.deepEqual((await session.list(dir)).map((e) => e.name).sort(), ['a.txt', 'b.txt'], 'list: always the entries');
  });
});
