import { Writable } from 'node:stream';
import type { FileBridgeError } from '../errors';
import type { SftpHandleIo } from './sftp-io';

export interface SftpWriteStreamOptions {
  /** Offset of the first byte written. */
  start?: number;
  /** Bytes per WRITE request; capped at what the server accepts in one request. */
  blockSize?: number;
  /** WRITE requests kept outstanding before the writer is asked to wait. */
  concurrency?: number;
  /** Called once when the handle is closed, whatever the outcome. */
  onClosed?: () => void;
}

/** As for reads: a few MiB in flight keep the server busy; more only adds memory. */
export const DEFAULT_WRITE_BUDGET = 4 * 1024 * 1024;
export const DEFAULT_WRITE_CONCURRENCY = 64;

/**
 * Pipelined upload: incoming chunks are gathered into server-sized blocks and each block is sent
 * without waiting for the previous acknowledgement. The writer is held back (its callback delayed)
 * only while `concurrency` blocks are unacknowledged; meanwhile its own buffer takes about one
 * block more (its high-water mark).
 * `_final` waits for every acknowledgement and then closes the handle, so 'finish' means the server
 * has accepted all bytes.
 */
export class SftpWriteStream extends Writable {
  private readonly blockSize: number;
  private readonly concurrency: number;
  private pieces: Buffer[] = [];
  private pieceBytes = 0;
  private position: number;
  private inFlight = 0;
  private acked = 0;
  private failure: FileBridgeError | undefined;
  /** A `_write` callback held back until a slot frees up. */
  private waiting: ((error?: Error | null) => void) | undefined;
  private finalCallback: ((error?: Error | null) => void) | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly io: SftpHandleIo,
    private readonly handle: Buffer,
    private readonly path: string,
    private readonly options: SftpWriteStreamOptions = {},
  ) {
    const blockSize = Math.max(1, Math.min(options.blockSize ?? io.maxWriteLength, io.maxWriteLength));
    // Sized from the block, not left to Node's default (16 KiB on Node 20, 64 KiB on 22), so what
    // a held-back writer buffers is the same on every runtime: one block, gathered while all slots
    // are busy and ready to go out the moment an acknowledgement frees one.
    super({ highWaterMark: blockSize });
    this.blockSize = blockSize;
    this.concurrency = Math.max(1, options.concurrency ?? Math.min(DEFAULT_WRITE_CONCURRENCY, Math.ceil(DEFAULT_WRITE_BUDGET / this.blockSize)));
    this.position = options.start ?? 0;
  }

  /** Bytes the server has acknowledged. */
  get bytesWritten(): number {
    return this.acked;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.failure) {
      callback(this.failure);
      return;
    }
    this.pieces.push(chunk);
    this.pieceBytes += chunk.length;
    while (this.pieceBytes >= this.blockSize) this.send(this.take(this.blockSize));
    if (this.inFlight < this.concurrency) callback();
    else this.waiting = callback;
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.failure) {
      callback(this.failure);
      return;
    }
    if (this.pieceBytes > 0) this.send(this.take(this.pieceBytes));
    this.finalCallback = callback;
    this.settleFinal();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.waiting = undefined;
    this.finalCallback = undefined;
    void this.closeHandle().then(
      () => callback(error),
      () => callback(error),
    );
  }

  private take(length: number): Buffer {
    const first = this.pieces[0];
    if (first !== undefined && first.length >= length) {
      // A view, not a copy: ssh2 copies the block into its packet before write() returns, and
      // large uploads would otherwise churn one extra block-sized allocation per request.
      if (first.length === length) this.pieces.shift();
      else this.pieces[0] = first.subarray(length);
      this.pieceBytes -= length;
      return first.subarray(0, length);
    }
    const block = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const piece = this.pieces[0];
      if (piece === undefined) break;
      const used = Math.min(piece.length, length - filled);
      piece.copy(block, filled, 0, used);
      filled += used;
      if (used === piece.length) this.pieces.shift();
      else this.pieces[0] = piece.subarray(used);
    }
    this.pieceBytes -= length;
    return block;
  }

  private send(block: Buffer): void {
    const position = this.position;
    this.position += block.length;
    this.inFlight++;
    this.io.write(this.handle, block, position, (err) => {
      this.inFlight--;
      if (err) {
        this.fail(this.io.mapError(err, 'write', this.path));
        return;
      }
      this.acked += block.length;
      const waiting = this.waiting;
      if (waiting !== undefined && this.inFlight < this.concurrency) {
        this.waiting = undefined;
        waiting();
      }
      this.settleFinal();
    });
  }

  private fail(error: FileBridgeError): void {
    if (this.failure) return;
    this.failure = error;
    const waiting = this.waiting ?? this.finalCallback;
    this.waiting = undefined;
    this.finalCallback = undefined;
    // Hand the error to a pending callback when there is one so Writable reports it in order;
    // otherwise nobody would hear of it until the next write, so destroy now.
    if (waiting !== undefined)
      void this.closeHandle().then(
        () => waiting(error),
        () => waiting(error),
      );
    else this.destroy(error);
  }

  private settleFinal(): void {
    const callback = this.finalCallback;
    if (callback === undefined || this.inFlight > 0 || this.failure) return;
    this.finalCallback = undefined;
    // A close can fail after all writes succeeded (some servers flush on close), and then the
    // file is not complete: that must fail the upload.
    this.closeHandle().then(
      () => callback(),
      (err: unknown) => callback(this.io.mapError(err, 'finish writing', this.path)),
    );
  }

  private closeHandle(): Promise<void> {
    if (this.closing === undefined) {
      this.closing = this.io.close(this.handle).finally(() => this.options.onClosed?.());
    }
    return this.closing;
  }
}
