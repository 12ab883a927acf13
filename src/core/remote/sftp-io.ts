import type { SFTPWrapper } from 'ssh2';
import { ErrorCode, FileBridgeError } from '../errors';
import { describeFailure, mapSftpError } from './sftp-errors';

/**
 * What the pipelined streams need from a session: raw reads and writes on an open handle, a close
 * that never hangs, and error mapping. Kept apart from ssh2 so the streams stay about ordering and
 * flow control only.
 */
export interface SftpHandleIo {
  /** Largest read the server answers in one reply (from `limits@openssh.com`, else a safe default). */
  readonly maxReadLength: number;
  readonly maxWriteLength: number;
  /** `bytesRead` 0 means end of file. */
  read(handle: Buffer, buffer: Buffer, position: number, callback: (err: Error | undefined, bytesRead: number) => void): void;
  write(handle: Buffer, data: Buffer, position: number, callback: (err: Error | undefined) => void): void;
  /** Resolves once the server confirmed, or at once when the connection is gone; rejects on a refusal. */
  close(handle: Buffer): Promise<void>;
  mapError(err: unknown, action: string, path: string): FileBridgeError;
}

/** Read/write sizes above this buy nothing measurable and only raise memory per request. */
const MAX_USEFUL_CHUNK = 256 * 1024;
/** What ssh2 assumes for servers that do not announce limits: 34000 bytes minus header room. */
const FALLBACK_CHUNK = 32 * 1024;

interface Sftp2Limits {
  _maxReadLen?: unknown;
  _maxWriteLen?: unknown;
}

function limit(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.min(value, MAX_USEFUL_CHUNK) : FALLBACK_CHUNK;
}

/**
 * Counts requests waiting for the server and fires `onStall` when one has waited longer than the
 * idle timeout with no other reply arriving meanwhile. Time spent with nothing outstanding (a slow
 * consumer, a paused upstream) is not a server stall and never counts.
 */
export class RequestWatch {
  private pending = 0;
  private lastProgress = Date.now();
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly idleTimeoutMs: number,
    private readonly onStall: () => void,
  ) {
    if (idleTimeoutMs > 0) {
      const period = Math.max(20, Math.min(1000, Math.floor(idleTimeoutMs / 4)));
      this.timer = setInterval(() => this.check(), period);
      this.timer.unref();
    }
  }

  /** Wraps a library callback so the request counts as outstanding until it is answered. */
  track<A extends unknown[]>(callback: (...args: A) => void): (...args: A) => void {
    if (this.pending === 0) this.lastProgress = Date.now();
    this.pending++;
    let answered = false;
    return (...args: A) => {
      if (!answered) {
        answered = true;
        this.pending--;
        this.lastProgress = Date.now();
      }
      callback(...args);
    };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private check(): void {
    if (this.pending > 0 && Date.now() - this.lastProgress >= this.idleTimeoutMs) {
      this.stop();
      this.onStall();
    }
  }
}

/** Why a whole session stopped working, phrased to follow "Could not read "x" on host:22: ". */
export interface SessionFailure {
  code: ErrorCode;
  reason: string;
  cause?: unknown;
}

export interface TrackedSftpOptions {
  server: string;
  /** False once the connection is gone: ssh2 then accepts requests but never answers them. */
  isOpen: () => boolean;
  /** The session-level failure (timeout, lost connection) that explains a dead channel, if any. */
  failure: () => SessionFailure | undefined;
  watch: RequestWatch;
}

/** ssh2's SFTP client with every request counted by the stall watch and errors mapped. */
export class TrackedSftp implements SftpHandleIo {
  readonly maxReadLength: number;
  readonly maxWriteLength: number;

  constructor(
    readonly sftp: SFTPWrapper,
    private readonly options: TrackedSftpOptions,
  ) {
    const limits = sftp as unknown as Sftp2Limits;
    this.maxReadLength = limit(limits._maxReadLen);
    this.maxWriteLength = limit(limits._maxWriteLen);
  }

  get server(): string {
    return this.options.server;
  }

  mapError(err: unknown, action: string, path?: string): FileBridgeError {
    const ctx = { server: this.options.server, action, path };
    const failure = this.options.failure();
    if (failure !== undefined) {
      // Every request dies with the connection: report why the connection died, not "no response".
      const details: Record<string, unknown> = { server: this.options.server, ...(path === undefined ? {} : { path }) };
      return new FileBridgeError(failure.code, `${describeFailure(ctx)}: ${failure.reason}`, details, { cause: failure.cause ?? err });
    }
    return mapSftpError(err, ctx);
  }

  /** Runs one request; rejects with a mapped error, and at once when the connection is gone. */
  call<T>(action: string, path: string | undefined, start: (callback: (err: Error | undefined, value: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (!this.options.isOpen()) {
        reject(this.mapError(new Error('not connected'), action, path));
        return;
      }
      try {
        start(
          this.options.watch.track((err: Error | undefined, value: T) => {
            if (err) reject(this.mapError(err, action, path));
            else resolve(value);
          }),
        );
      } catch (err) {
        reject(this.mapError(err, action, path));
      }
    });
  }

  read(handle: Buffer, buffer: Buffer, position: number, callback: (err: Error | undefined, bytesRead: number) => void): void {
    if (!this.options.isOpen()) {
      process.nextTick(callback, new Error('not connected'), 0);
      return;
    }
    this.sftp.read(
      handle,
      buffer,
      0,
      buffer.length,
      position,
      this.options.watch.track((err: Error | undefined, bytesRead: number) => {
        callback(err, err ? 0 : bytesRead);
      }),
    );
  }

  write(handle: Buffer, data: Buffer, position: number, callback: (err: Error | undefined) => void): void {
    if (!this.options.isOpen()) {
      process.nextTick(callback, new Error('not connected'));
      return;
    }
    this.sftp.write(
      handle,
      data,
      0,
      data.length,
      position,
      this.options.watch.track((err: Error | null | undefined) => {
        callback(err ?? undefined);
      }),
    );
  }

  async close(handle: Buffer): Promise<void> {
    if (!this.options.isOpen()) return;
    await this.call<void>('close', undefined, (cb) => this.sftp.close(handle, (err) => cb(err ?? undefined, undefined)));
  }
}
