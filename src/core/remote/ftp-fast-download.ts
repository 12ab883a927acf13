import { Client, FTPError, FTPResponse } from 'basic-ftp';
import { Socket, connect } from 'node:net';
import { Readable } from 'node:stream';
import { FileBridgeError } from '../errors';

/*
 * Plain-FTP downloads read the data connection with `onread` into 512 KiB buffers. A socket's
 * ordinary 'data' events arrive in 64 KiB pieces, each a fresh allocation, and that per-chunk cost
 * capped our reads at about 0.7 of curl on loopback; reads of up to 512 KiB keep pace with it.
 * Each read is handed on as a view of its buffer, not copied (copying cost about a tenth of a CPU
 * second per GiB); the next read goes into the buffer's unused rest while that has room, else into
 * a new buffer, so at most 128 KiB of a buffer goes unused however short the reads.
 * The control connection stays basic-ftp's. FTPS keeps basic-ftp's own transfer: TLS sockets take
 * no `onread`, and decryption costs more than the chunking anyway.
 */

const READ_BUFFER_BYTES = 512 * 1024;
/** A buffer's unused rest takes the next read while it has room for this much. */
const MIN_READ_BYTES = 128 * 1024;

export interface PlainDownload {
  stream: Readable;
  /** Settles when the server accepted RETR (150/125), or rejects when it refused it. */
  accepted: Promise<void>;
  /** Settles when the data arrived completely and the server confirmed the transfer (226). */
  finished: Promise<void>;
}

class DataConnectionReader extends Readable {
  socket?: Socket;

  constructor() {
    // Two reads' worth: a fast consumer never makes the socket pause, a paused one holds at most
    // this plus the read in hand.
    super({ highWaterMark: 2 * READ_BUFFER_BYTES });
  }

  override _read(): void {
    // The socket pauses itself when push() says "enough" (onread callback returned false).
    this.socket?.resume();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.socket?.destroy();
    callback(err);
  }
}

function passivePort(message: string): number | undefined {
  const epsv = /[|!]{3}(\d+)[|!]/.exec(message);
  if (epsv) return Number(epsv[1]);
  const pasv = /(?<![-\d])\d+,\d+,\d+,\d+,(\d+),(\d+)/.exec(message);
  return pasv ? (Number(pasv[1]) & 255) * 256 + (Number(pasv[2]) & 255) : undefined;
}

/**
 * Starts `RETR path` on a logged-in plain FTP client. Errors come back raw (FTPError, socket errors,
 * FileBridgeError for timeouts); the session maps them.
 */
export async function startPlainDownload(client: Client, path: string, start: number, idleTimeoutMs: number): Promise<PlainDownload> {
  const host = client.ftp.socket.remoteAddress;
  if (!host) throw new Error('The control connection is closed.');
  // The data connection goes to the control connection's host, as with EPSV: a PASV address behind
  // NAT is often unreachable.
  let port: number | undefined;
  try {
    port = passivePort((await client.send('EPSV')).message);
  } catch (err) {
    if (!(err instanceof FTPError)) throw err;
  }
  if (port === undefined) port = passivePort((await client.send('PASV')).message);
  if (port === undefined) throw new Error('The server gave no usable passive port.');

  const reader = new DataConnectionReader();
  let buffer: Buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  const socket = connect({
    host,
    port,
    onread: {
      // Node asks for the next read's buffer after each callback, so bytes handed on there are
      // never read into again.
      buffer: () => buffer,
      callback: (bytes: number, buf: Uint8Array): boolean => {
        const wanted = reader.push(Buffer.from(buf.buffer, buf.byteOffset, bytes));
        const rest = buf.length - bytes;
        // A paused reader gets a small buffer for its first read after resuming, so while it waits
        // it holds no more than the data it was given.
        if (rest >= MIN_READ_BYTES) buffer = Buffer.from(buf.buffer, buf.byteOffset + bytes, rest);
        else buffer = Buffer.allocUnsafe(wanted ? READ_BUFFER_BYTES : MIN_READ_BYTES);
        return wanted;
      },
    },
  });
  reader.socket = socket;
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
    socket.setTimeout(idleTimeoutMs, () => reject(new FileBridgeError('TIMEOUT', `No data connection to ${host}:${port} within ${idleTimeoutMs} ms.`)));
  });
  if (start > 0) await client.send(`REST ${start}`);

  let markAccepted!: () => void;
  const accepted = new Promise<void>((resolve) => {
    markAccepted = resolve;
  });
  const dataEnded = new Promise<void>((resolve, reject) => {
    socket.once('end', resolve);
    socket.once('error', reject);
    socket.setTimeout(idleTimeoutMs, () => {
      reject(new FileBridgeError('TIMEOUT', `${path}: no data for ${idleTimeoutMs} ms.`, { path }));
      socket.destroy();
    });
  });
  const confirmed: Promise<void> = client.ftp.handle(`RETR ${path}`, (res: Error | FTPResponse, task) => {
    if (res instanceof Error) {
      task.reject(res);
    } else if (res.code === 150 || res.code === 125) {
      // A long transfer says nothing on the control connection: only the data socket may time out.
      client.ftp.socket.setTimeout(0);
      markAccepted();
    } else if (res.code >= 200 && res.code < 300) {
      task.resolve(res);
    } else if (res.code >= 400) {
      task.reject(new FTPError(res));
    }
  });
  const finished = Promise.all([dataEnded.then(() => client.ftp.socket.setTimeout(client.ftp.timeout)), confirmed]).then(() => {
    reader.push(null);
  });
  // The session maps the error and fails the stream with it; the data connection just goes.
  finished.catch(() => socket.destroy());
  return {
    stream: reader,
    accepted: Promise.race([accepted, confirmed.then(() => undefined)]),
    finished,
  };
}
