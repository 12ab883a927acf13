import { Transform, type TransformCallback } from 'node:stream';
import { FileBridgeError } from '../errors';

/**
 * A pass-through for a remote file's stream that notices a consumer who stopped reading. A read
 * stream keeps its pooled session until it ends (FTP runs one transfer per connection, an SFTP
 * handle stays open), so a message whose payload nobody reads, or a node that gave up half way
 * without destroying it, would hold that connection for good and starve every other operation on
 * the server. When bytes wait unread and the consumer asked for none for `timeoutMs`, the stream
 * is destroyed with a TIMEOUT error; its owner then gives the session back to the pool.
 *
 * A consumer that is waiting for the server (nothing buffered) is never blamed: slow servers are
 * the session's own idle timeout's business.
 */
export class UnreadGuard extends Transform {
  private lastProgress = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly path: string,
  ) {
    super();
    this.schedule(timeoutMs);
  }

  override _read(size: number): void {
    // The consumer asks for bytes: it is reading.
    this.lastProgress = Date.now();
    super._read(size);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    // A chunk can only come in while the consumer makes room (back-pressure): progress too.
    this.lastProgress = Date.now();
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.stop();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.stop();
    callback(error);
  }

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(delay: number): void {
    if (this.timeoutMs <= 0) return;
    this.timer = setTimeout(() => this.check(), Math.max(delay, 10));
    // A timer must not keep a stopping process alive; the stream's own I/O does that while it runs.
    this.timer.unref();
  }

  private check(): void {
    this.timer = undefined;
    if (this.destroyed || this.readableEnded) return;
    const idle = Date.now() - this.lastProgress;
    if (this.readableLength > 0 && idle >= this.timeoutMs) {
      const seconds = Math.round(this.timeoutMs / 100) / 10;
      this.destroy(
        new FileBridgeError(
          'TIMEOUT',
          `Nobody read ${this.path} for ${seconds} s: the stream was closed and its connection given back for other transfers. Wire a stream payload to a node that reads it to the end, or raise "Unread timeout" of the server configuration.`,
          { path: this.path, unreadTimeoutMs: this.timeoutMs },
        ),
      );
      return;
    }
    this.schedule(this.readableLength > 0 ? this.timeoutMs - idle : this.timeoutMs);
  }
}
