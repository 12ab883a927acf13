import { Client, FileInfo, FileType, FTPContext, FTPError } from 'basic-ftp';
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { Readable, Transform, pipeline } from 'node:stream';
import * as tls from 'node:tls';
import { isIP } from 'node:net';
import { FileBridgeError, errorMessage, isFileBridgeError, isNetworkErrno } from '../errors';
import { joinRemote, listedNameProblem, remoteBasename, remoteDirname } from '../paths';
import type { ServerOptions } from './server-options';
import type { RemoteEntry, RemoteSession, ReadOptions, Protocol, RefusedName } from './types';
import { startPlainDownload } from './ftp-fast-download';
import { parseListTime } from './ftp-list-time';
import { CertificateFacts, normaliseCertFingerprint } from './tls-pin';

const TLS_ERROR_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** Maps whatever basic-ftp or the socket threw into a coded error that names the server and path. */
export function mapFtpError(err: unknown, where: string, path?: string): FileBridgeError {
  if (isFileBridgeError(err)) return err;
  const target = path ? ` (${path})` : '';
  const details = path ? { path } : {};
  if (err instanceof FTPError) {
    const code = err.code;
    // The server's reply code: the server answered (as against a connection that broke).
    const answered = { ...details, ftpReply: code };
    const text = `${where}${target}: server answered ${code} ${err.message.replace(/^\d{3}[ -]/, '').trim()}`;
    if (code === 530)
      return new FileBridgeError(
        'AUTHENTICATION',
        `${where}: login refused (${code}). Check the user name and password of the server configuration.`,
        {},
        { cause: err },
      );
    if (code === 550 || code === 450) return new FileBridgeError('NOT_FOUND', text, answered, { cause: err });
    if (code === 553 || code === 532 || code === 552) return new FileBridgeError('PERMISSION_DENIED', text, answered, { cause: err });
    return new FileBridgeError('CONNECTION', text, answered, { cause: err });
  }
  const errno = (err as { code?: unknown } | undefined)?.code;
  const message = errorMessage(err);
  if (typeof errno === 'string' && (TLS_ERROR_CODES.has(errno) || errno.startsWith('ERR_SSL') || errno.startsWith('ERR_TLS'))) {
    return new FileBridgeError(
      'TLS',
      `${where}: the TLS certificate was refused (${errno}: ${message}). Trust the server's CA or pin its certificate fingerprint in the server configuration.`,
      details,
      { cause: err },
    );
  }
  if (/^Timeout \(/.test(message) || errno === 'ETIMEDOUT') {
    return new FileBridgeError('TIMEOUT', `${where}${target}: no answer from the server in time (${message}).`, details, { cause: err });
  }
  if (isNetworkErrno(errno) || /closed|FIN packet|Socket closed|ECONNRESET/i.test(message)) {
    return new FileBridgeError('CONNECTION', `${where}${target}: connection failed: ${message}`, details, { cause: err });
  }
  return new FileBridgeError('CONNECTION', `${where}${target}: ${message}`, details, { cause: err });
}

function entryFromInfo(dir: string, info: FileInfo): RemoteEntry {
  const type =
    info.type === FileType.Directory ? 'directory' : info.type === FileType.File ? 'file' : info.type === FileType.SymbolicLink ? 'symlink' : 'other';
  let mtime = info.modifiedAt;
  let precision: RemoteEntry['mtimePrecision'] = 'second';
  if (!mtime) {
    const parsed = parseListTime(info.rawModifiedAt);
    mtime = parsed?.mtime ?? new Date(0);
    precision = parsed?.precision ?? 'day';
  }
  return { name: info.name, path: joinRemote(dir, info.name), type, size: info.size, mtime, mtimePrecision: precision };
}

/**
 * vsftpd fails the TLS data connection (and then the control connection) when a client sends
 * close_notify right after the handshake, which is what an empty upload does. Holding the end of an
 * empty upload briefly, counted from when the data connection starts reading, lets the server finish
 * its side of the handshake. Measured: 0 ms fails, 20 ms works on loopback.
 */
const EMPTY_TLS_UPLOAD_DELAY_MS = 250;

/** Counts bytes on their way to the server without switching the source into flowing mode early. */
class UploadCounter extends Transform {
  bytes = 0;
  private readonly consumerReading: Promise<void>;
  private markReading!: () => void;

  constructor(private readonly emptyEndDelayMs: number) {
    super();
    this.consumerReading = new Promise((resolve) => {
      this.markReading = resolve;
    });
  }

  override _read(size: number): void {
    this.markReading();
    super._read(size);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length;
    cb(null, chunk);
  }

  override _flush(cb: () => void): void {
    if (this.bytes > 0 || this.emptyEndDelayMs === 0) {
      cb();
      return;
    }
    void this.consumerReading.then(() => setTimeout(cb, this.emptyEndDelayMs));
  }
}

/**
 * A pass-through that tells when the first chunk went by. Not on end: basic-ftp ends the stream on
 * failure too, and an empty file is recognised by its transfer completing instead.
 */
class FirstChunkSignal extends Transform {
  readonly started: Promise<void>;
  private markStarted!: () => void;

  constructor() {
    super();
    this.started = new Promise((resolve) => {
      this.markStarted = resolve;
    });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.markStarted();
    cb(null, chunk);
  }
}

export class FtpSession implements RemoteSession {
  readonly protocol: Protocol;
  /** The TLS certificate the server presented (FTPS only), for "Test connection". */
  certificate?: CertificateFacts;
  private busy = false;
  /** Settles when the last read stream's transfer is over (the 226 reply), not just its last byte. */
  private transferDone: Promise<void> = Promise.resolve();
  private readonly where: string;

  private readonly idleTimeoutMs: number;
  /** Whether FEAT announced MFMT; asked once per session, on the first time set. */
  private mfmt: Promise<boolean> | undefined;

  constructor(
    private readonly client: Client,
    options: ServerOptions,
    private readonly homeDir: string,
  ) {
    this.protocol = options.protocol;
    this.idleTimeoutMs = options.idleTimeoutMs;
    this.where = `${options.protocol.toUpperCase()} ${options.host}:${options.port}`;
  }

  get alive(): boolean {
    return !this.client.closed;
  }

  /** The folder the server put us in at login; relative paths start there. */
  get startFolder(): string {
    return this.homeDir;
  }

  async list(dir: string, refused?: RefusedName): Promise<RemoteEntry[]> {
    return (await this.listUnlessSame(dir, refused, undefined)).entries ?? [];
  }

  async listUnlessSame(dir: string, refused: RefusedName | undefined, previous: string | undefined): Promise<{ fingerprint: string; entries?: RemoteEntry[] }> {
    return this.run(dir, async () => {
      let fingerprint = '';
      let same = false;
      // basic-ftp hands the whole listing text to its parser: the fingerprint is taken there, and
      // an unchanged listing (a busy folder's 50,000 lines, polled every second) is not parsed.
      const parse = this.client.parseList;
      this.client.parseList = (text: string): FileInfo[] => {
        fingerprint = createHash('sha256').update(text).digest('base64');
        same = fingerprint === previous;
        return same ? [] : parse(text);
      };
      let infos: FileInfo[];
      try {
        infos = await this.client.list(dir === '.' ? '' : dir);
      } finally {
        this.client.parseList = parse;
      }
      if (same) return { fingerprint };
      const usable = infos.filter((i) => {
        if (i.name === '.' || i.name === '..') return false;
        const problem = listedNameProblem(i.name, true);
        if (problem !== undefined) refused?.(i.name, problem);
        return problem === undefined;
      });
      return { fingerprint, entries: usable.map((i) => entryFromInfo(dir, i)) };
    });
  }

  async stat(path: string): Promise<RemoteEntry | undefined> {
    return this.run(path, () => this.statInternal(path));
  }

  private async statInternal(path: string): Promise<RemoteEntry | undefined> {
    if (path === '.' || path === '/' || path === '') {
      return { name: path, path, type: 'directory', size: 0, mtime: new Date(0), mtimePrecision: 'day' };
    }
    // SIZE/MDTM answer for one file without listing a possibly huge parent folder.
    let size: number | undefined;
    try {
      size = await this.client.size(path);
    } catch (err) {
      if (!(err instanceof FTPError)) throw err;
    }
    if (size !== undefined) {
      let mtime: Date | undefined;
      try {
        mtime = await this.client.lastMod(path);
      } catch (err) {
        if (!(err instanceof FTPError)) throw err;
      }
      if (mtime && !Number.isNaN(mtime.getTime())) {
        return { name: remoteBasename(path), path, type: 'file', size, mtime, mtimePrecision: 'second' };
      }
    }
    // Directories (and servers without SIZE/MDTM): find the entry in its parent's listing.
    const parent = remoteDirname(path);
    let infos: FileInfo[];
    try {
      infos = await this.client.list(parent === '.' ? '' : parent);
    } catch (err) {
      if (err instanceof FTPError) return undefined;
      throw err;
    }
    const name = remoteBasename(path);
    const info = infos.find((i) => i.name === name);
    return info ? entryFromInfo(parent, info) : undefined;
  }

  async createReadStream(path: string, options: ReadOptions = {}): Promise<Readable> {
    await this.transferDone;
    this.claim(path);
    let out: Readable = new FirstChunkSignal();
    let finished = false;
    let transfer: Promise<void> = Promise.resolve();
    try {
      // Asking SIZE first turns a missing file into NOT_FOUND before any transfer starts.
      await this.explained(path, () => this.client.size(path));
      let started: Promise<unknown>;
      if (this.protocol === 'ftp') {
        const download = await startPlainDownload(this.client, path, options.start ?? 0, this.idleTimeoutMs);
        out = download.stream;
        transfer = download.finished;
        started = download.accepted;
      } else {
        const signal = out as FirstChunkSignal;
        transfer = this.client.downloadTo(signal, path, options.start ?? 0).then(() => undefined);
        // RETR can still be refused (unreadable file): wait for the first byte, or the completed
        // transfer of an empty file, so a refusal is an error of this call, not of a stream sent on.
        started = Promise.race([signal.started, transfer]);
      }
      transfer = transfer.then(() => {
        finished = true;
      });
      await started;
    } catch (err) {
      // The refusal is reported here; the transfer's own rejection has nobody else to tell.
      transfer.catch(() => undefined);
      out.destroy();
      this.busy = false;
      if (err instanceof FTPError) throw await this.explainRefusal(err, path);
      throw mapFtpError(err, this.where, path);
    }
    this.transferDone = transfer.then(
      () => {
        this.busy = false;
      },
      (err: unknown) => {
        this.busy = false;
        out.destroy(mapFtpError(err, this.where, path));
      },
    );
    // A consumer that stops early leaves the transfer half done; FTP can only abort by closing.
    // Read to the end, the stream closes before the server's 226 arrives: that is no abort.
    let readToEnd = false;
    out.once('end', () => {
      readToEnd = true;
    });
    out.once('close', () => {
      if (!finished && !readToEnd) this.client.close();
    });
    return out;
  }

  async write(path: string, source: Readable): Promise<number> {
    return this.run(path, async () => {
      const counter = new UploadCounter(this.client.ftp.hasTLS ? EMPTY_TLS_UPLOAD_DELAY_MS : 0);
      let sourceError: unknown;
      pipeline(source, counter, (err) => {
        if (err) sourceError = err;
      });
      try {
        await this.client.uploadFrom(counter, path);
      } catch (err) {
        if (sourceError)
          throw new FileBridgeError(
            'INVALID_INPUT',
            `Reading the data to upload to ${path} failed: ${errorMessage(sourceError)}`,
            { path },
            { cause: sourceError },
          );
        if (err instanceof FTPError) throw await this.explainRefusal(err, path);
        throw err;
      }
      if (sourceError)
        throw new FileBridgeError(
          'INVALID_INPUT',
          `Reading the data to upload to ${path} failed: ${errorMessage(sourceError)}`,
          { path },
          { cause: sourceError },
        );
      return counter.bytes;
    });
  }

  async rename(from: string, to: string, overwrite = false): Promise<void> {
    return this.run(from, async () => {
      if (!overwrite && (await this.exists(to))) {
        throw new FileBridgeError('CONFLICT', `${this.where}: cannot rename ${from} to ${to}: the target exists.`, { path: from, target: to });
      }
      await this.explained(from, () => this.client.rename(from, to));
    });
  }

  async deleteFile(path: string): Promise<void> {
    return this.run(path, async () => {
      await this.explained(path, () => this.client.remove(path));
    });
  }

  async removeDir(path: string): Promise<void> {
    return this.run(path, async () => {
      await this.explained(path, () => this.client.removeEmptyDir(path));
    });
  }

  async mkdir(path: string, recursive: boolean): Promise<void> {
    return this.run(path, async () => {
      const absolute = path.startsWith('/');
      const parts = path.split('/').filter((p) => p !== '' && p !== '.');
      const targets = recursive ? parts.map((_, i) => (absolute ? '/' : '') + parts.slice(0, i + 1).join('/')) : [path];
      for (const dir of targets) {
        const existing = await this.statInternal(dir);
        if (existing?.type === 'directory') continue;
        if (existing) {
          throw new FileBridgeError('CONFLICT', `${this.where}: cannot create folder ${dir}: a file of that name is in the way.`, { path: dir });
        }
        try {
          await this.client.send(`MKD ${dir}`);
        } catch (err) {
          if (!(err instanceof FTPError)) throw err;
          // A concurrent creator may have won; that is success for us.
          if ((await this.statInternal(dir))?.type === 'directory') continue;
          if (!recursive && !(await this.statInternal(remoteDirname(dir)))) {
            throw new FileBridgeError(
              'NOT_FOUND',
              `${this.where}: cannot create folder ${dir}: its parent folder does not exist.`,
              { path: dir },
              { cause: err },
            );
          }
          throw new FileBridgeError('PERMISSION_DENIED', `${this.where}: cannot create folder ${dir}: ${err.message}`, { path: dir }, { cause: err });
        }
      }
    });
  }

  /**
   * MFMT (draft-somers-ftp-mfxx, announced in FEAT) where the server offers it; otherwise the
   * `MDTM <time> <path>` form, which vsftpd accepts with `mdtm_write` (its default) and reads as
   * UTC unless `use_localtime` is set. Either way the time is read back with MDTM, so a server that
   * ignores the request (or reads it as a file name) is reported as not keeping it.
   */
  async setModifiedTime(path: string, mtime: Date): Promise<boolean> {
    return this.run(path, async () => {
      const stamp = mtime.toISOString().replace(/[-:T]/g, '').slice(0, 14);
      this.mfmt ??= this.client.features().then(
        (features) => [...features.keys()].some((k) => k.toUpperCase() === 'MFMT'),
        () => false,
      );
      const command = (await this.mfmt) ? `MFMT ${stamp} ${path}` : `MDTM ${stamp} ${path}`;
      try {
        await this.client.send(command);
        const now = await this.client.lastMod(path);
        return Math.floor(now.getTime() / 1000) === Math.floor(mtime.getTime() / 1000);
      } catch (err) {
        if (err instanceof FTPError) return false;
        throw err;
      }
    });
  }

  async ping(): Promise<void> {
    return this.run('.', async () => {
      await this.client.send('NOOP');
    });
  }

  async close(): Promise<void> {
    this.client.close();
  }

  private claim(path: string): void {
    if (this.busy) {
      throw new FileBridgeError('CONNECTION', `${this.where}: internal error, session used for ${path} while busy with another transfer.`, { path });
    }
    if (!this.alive) {
      throw new FileBridgeError('CONNECTION', `${this.where}: the connection is closed.`, { path });
    }
    this.busy = true;
  }

  private async run<T>(path: string, fn: () => Promise<T>): Promise<T> {
    // The consumer may have read the last byte before the server confirmed the transfer.
    await this.transferDone;
    this.claim(path);
    try {
      return await fn();
    } catch (err) {
      throw mapFtpError(err, this.where, path);
    } finally {
      this.busy = false;
    }
  }

  private async exists(path: string): Promise<boolean> {
    return (await this.statInternal(path)) !== undefined;
  }

  /** Runs one FTP command, turning the server's refusal into NOT_FOUND or PERMISSION_DENIED. */
  private async explained<T>(path: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      if (err instanceof FTPError) throw await this.explainRefusal(err, path);
      throw err;
    }
  }

  /**
   * FTP servers answer 550 both for "no such file" and "not allowed"; looking at the path tells the
   * two apart, so flows can route NOT_FOUND differently from PERMISSION_DENIED.
   */
  private async explainRefusal(err: FTPError, path: string): Promise<FileBridgeError> {
    const mapped = mapFtpError(err, this.where, path);
    if (mapped.code !== 'NOT_FOUND') return mapped;
    let exists: boolean;
    try {
      exists = await this.exists(path);
    } catch {
      return mapped;
    }
    if (!exists) {
      const parentExists = await this.exists(remoteDirname(path)).catch(() => true);
      if (parentExists) return mapped;
      return new FileBridgeError('NOT_FOUND', `${mapped.message} (the folder ${remoteDirname(path)} does not exist)`, mapped.details, { cause: err });
    }
    return new FileBridgeError('PERMISSION_DENIED', `${this.where}: access to ${path} refused: ${err.message}`, { path }, { cause: err });
  }
}

/**
 * An FTP context that checks a pinned certificate on every TLS data connection.
 *
 * With a pin the TLS options say `rejectUnauthorized: false` (the pin replaces CA checks), and
 * basic-ftp opens each data connection with those same options (`tls.connect({...ftp.tlsOptions,
 * socket, session})` in transfer.js `connectForPassiveTransfer`). Node calls `checkServerIdentity`
 * only after the chain verified (`onConnectSecure` in Node's lib/_tls_wrap.js), so without this a
 * data connection would accept any certificate: an interceptor could read uploads and inject
 * listings and downloads.
 *
 * basic-ftp hands each new data socket to the context's `dataSocket` setter synchronously after
 * `tls.connect`, before the handshake can finish, so the listener registered here runs first on
 * 'secureConnect': before basic-ftp's own (which starts an upload), and before the socket can
 * deliver a byte (Node emits 'secureConnect' from the handshake-done callback, before it decrypts
 * application data). On a mismatch the whole connection is closed with a TLS error: the transfer
 * fails with it, nothing was read from or written to that socket, and the session, whose TLS
 * session cache may now hold the interceptor's session, is never used again.
 *
 * A data connection that resumes an earlier TLS session (basic-ftp offers the control connection's
 * or the latest data connection's session; vsftpd's require_ssl_reuse insists on it) has no
 * certificate of its own: `getPeerCertificate()` is empty there (measured with TLS 1.3 against
 * vsftpd). It passes on `isSessionReused()`: only the peer of the handshake that made the session
 * knows its secret, and every handshake of this client was checked against the pin (the control
 * connection before login, each data connection here). A session an impostor's handshake may have
 * left in basic-ftp's store dies with the client, which a mismatch closes.
 */
class PinnedFtpContext extends FTPContext {
  constructor(
    timeout: number,
    private readonly pinned: string,
    private readonly where: string,
  ) {
    super(timeout);
  }

  override get dataSocket(): Socket | tls.TLSSocket | undefined {
    return super.dataSocket;
  }

  override set dataSocket(socket: Socket | tls.TLSSocket | undefined) {
    if (socket instanceof tls.TLSSocket) this.checkPinOnHandshake(socket);
    super.dataSocket = socket;
  }

  private checkPinOnHandshake(socket: tls.TLSSocket): void {
    socket.once('secureConnect', () => {
      const presented = socket.getPeerCertificate().fingerprint256 as string | undefined;
      if (presented === this.pinned) return;
      if (presented === undefined && socket.isSessionReused()) return;
      socket.destroy();
      this.closeWithError(
        new FileBridgeError(
          'TLS',
          `${this.where}: the data connection presented a certificate with fingerprint ${presented ?? '(none)'}, which is not the pinned ${this.pinned} that the control connection showed. Someone may be intercepting the data connections; nothing was sent or received on it and the connection is closed.`,
          { fingerprint: presented, expected: this.pinned },
        ),
      );
    });
  }
}

/** A basic-ftp client whose data connections are checked against the pinned certificate. */
function pinCheckingClient(timeout: number, pinned: string, where: string): Client {
  const client = new Client(timeout);
  // Client creates its context in its constructor and offers no way to pass one in; `ftp` is only
  // read-only in the typings. The unused context it made has no connected socket.
  (client as { ftp: FTPContext }).ftp = new PinnedFtpContext(timeout, pinned, where);
  return client;
}

function tlsOptionsFor(options: ServerOptions): tls.ConnectionOptions {
  const pinned = options.tlsFingerprint ? normaliseCertFingerprint(options.tlsFingerprint) : undefined;
  const base: tls.ConnectionOptions = {
    host: options.host,
    minVersion: 'TLSv1.2',
    // Session resumption for data connections is bound to this identity (basic-ftp issue 166).
    servername: options.tlsServername ?? (isIP(options.host) ? undefined : options.host),
  };
  if (pinned) {
    // A pin replaces CA checks (self-signed partner servers); it is verified before login below.
    return { ...base, rejectUnauthorized: false };
  }
  return {
    ...base,
    rejectUnauthorized: true,
    ...(options.tlsCa ? { ca: [...tls.rootCertificates, options.tlsCa] } : {}),
  };
}

function describeCertificate(socket: tls.TLSSocket, chainVerified: boolean): CertificateFacts {
  const cert = socket.getPeerCertificate();
  const name = (n: tls.Certificate | undefined): string =>
    n
      ? Object.entries(n)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(', ')
      : '';
  return {
    subject: name(cert.subject),
    issuer: name(cert.issuer),
    validFrom: cert.valid_from,
    validTo: cert.valid_to,
    fingerprint256: cert.fingerprint256,
    chainVerified,
  };
}

/** Opens, secures and logs in an FTP/FTPS control connection. */
export async function openFtpSession(options: ServerOptions): Promise<FtpSession> {
  const where = `${options.protocol.toUpperCase()} ${options.host}:${options.port}`;
  const secure = options.protocol === 'ftps-explicit' || options.protocol === 'ftps-implicit';
  const pinnedFingerprint = secure && options.tlsFingerprint ? normaliseCertFingerprint(options.tlsFingerprint) : undefined;
  const client = pinnedFingerprint ? pinCheckingClient(options.idleTimeoutMs, pinnedFingerprint, where) : new Client(options.idleTimeoutMs);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      client.close();
      reject(new FileBridgeError('TIMEOUT', `${where}: no connection within ${options.connectTimeoutMs} ms. Check host, port and firewalls.`));
    }, options.connectTimeoutMs);
  });
  const connect = async (): Promise<FtpSession> => {
    const tlsOptions = secure ? tlsOptionsFor(options) : undefined;
    if (options.protocol === 'ftps-implicit') {
      await client.connectImplicitTLS(options.host, options.port, tlsOptions);
    } else {
      await client.connect(options.host, options.port);
      if (options.protocol === 'ftps-explicit') await client.useTLS(tlsOptions);
    }
    let certificate: CertificateFacts | undefined;
    if (secure) {
      const socket = client.ftp.socket as tls.TLSSocket;
      certificate = describeCertificate(socket, !pinnedFingerprint);
      if (pinnedFingerprint) {
        const pinned = pinnedFingerprint;
        // Checked before USER/PASS go out, so an impostor never sees the password. Data connections
        // are checked by PinnedFtpContext.
        if (certificate.fingerprint256 !== pinned) {
          throw new FileBridgeError(
            'TLS',
            `${where}: the server presented a certificate with fingerprint ${certificate.fingerprint256}, which is not the pinned ${pinned}. If the partner renewed its certificate, verify the new fingerprint with them and update the pin.`,
            { fingerprint: certificate.fingerprint256, expected: pinned },
          );
        }
      }
    }
    await client.sendIgnoringError('OPTS UTF8 ON');
    await client.login(options.username, options.password ?? '');
    await client.useDefaultSettings();
    const home = await client.pwd();
    const session = new FtpSession(client, options, home);
    session.certificate = certificate;
    return session;
  };
  try {
    return await Promise.race([connect(), timeout]);
  } catch (err) {
    client.close();
    throw mapFtpError(err, where);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads the certificate an FTPS server presents without trusting it and without logging in, so
 * "Test connection" can show a self-signed or private-CA certificate the user may decide to pin.
 */
export async function fetchFtpsCertificate(options: ServerOptions): Promise<CertificateFacts | undefined> {
  if (options.protocol !== 'ftps-explicit' && options.protocol !== 'ftps-implicit') return undefined;
  const client = new Client(options.connectTimeoutMs);
  const probeOptions: tls.ConnectionOptions = { ...tlsOptionsFor({ ...options, tlsFingerprint: undefined }), rejectUnauthorized: false };
  try {
    if (options.protocol === 'ftps-implicit') {
      await client.connectImplicitTLS(options.host, options.port, probeOptions);
    } else {
      await client.connect(options.host, options.port);
      await client.useTLS(probeOptions);
    }
    return describeCertificate(client.ftp.socket as tls.TLSSocket, false);
  } catch {
    return undefined;
  } finally {
    client.close();
  }
}
