import { Readable } from 'node:stream';
import type { SftpHandleIo } from './sftp-io';

export interface SftpReadStreamOptions {
  /** Byte offset to start at. */
  start?: number;
  /**
   * File size from `fstat`. Requests are clipped to it so a small file costs one small request, not
   * `concurrency` large buffers; past it a single probe confirms EOF (the file may have grown).
   */
  sizeHint?: number;
  /** Bytes per request; capped at what the server answers in one reply. */
  chunkSize?: number;
  /** Requests kept outstanding. */
  concurrency?: number;
  /** Bytes allowed in flight plus held for ordering (default `concurrency * chunkSize`). */
  maxBufferedBytes?: number;
  /** Called once when the handle is closed, whatever the outcome. */
  onClosed?: () => void;
}

/**
 * Enough outstanding bytes to cover the SSH channel window (2 MiB in ssh2) twice over, so the
 * server never idles waiting for the next request. More only adds memory.
 */
export const DEFAULT_READ_BUDGET = 4 * 1024 * 1024;
export const DEFAULT_READ_CONCURRENCY = 64;
const PROBE_SIZE = 64 * 1024;

interface Slot {
  position: number;
  length: number;
  data?: Buffer;
  /** Dropped after EOF was found before it; its late reply is ignored. */
  dropped?: boolean;
}

/**
 * Pipelined download: keeps many READ requests in flight (ssh2's own stream sends one at a time,
 * which on loopback ran at a seventh of OpenSSH's speed) and delivers replies in file order.
 *
 * Flow control: bytes in flight plus replies held for ordering stay within one budget, and no new
 * request goes out after push() reported a full buffer until the consumer asks again (_read). So
 * a stalled consumer holds at most the budget plus the stream's high-water mark.
 */
export class SftpReadStream extends Readable {
  private readonly chunkSize: number;
  private readonly concurrency: number;
  private readonly budget: number;
  private sizeHint: number | undefined;
  private readonly slots: Slot[] = [];
  /** Next offset never requested yet. */
  private nextPosition: number;
  private inFlight = 0;
  private inFlightBytes = 0;
  private heldBytes = 0;
  private eofAt: number | undefined;
  private ending = false;
  private closing: Promise<void> | undefined;
  private bytesDelivered = 0;
  /** False from a push() that found the buffer full until the consumer calls _read again. */
  private wanted = false;

  constructor(
    private readonly io: SftpHandleIo,
    private readonly handle: Buffer,
    private readonly path: string,
    private readonly options: SftpReadStreamOptions = {},
  ) {
    const chunkSize = Math.max(1, Math.min(options.chunkSize ?? io.maxReadLength, io.maxReadLength));
    const concurrency = Math.max(1, options.concurrency ?? Math.min(DEFAULT_READ_CONCURRENCY, Math.ceil(DEFAULT_READ_BUDGET / chunkSize)));
    const budget = Math.max(chunkSize, options.maxBufferedBytes ?? concurrency * chunkSize);
    // A quarter of the budget keeps a consumer that catches up fed while the next requests travel,
    // without letting a slow one sit on much more than the budget.
    super({ highWaterMark: Math.max(chunkSize, Math.floor(budget / 4)) });
    this.chunkSize = chunkSize;
    this.concurrency = concurrency;
    this.budget = budget;
    this.sizeHint = options.sizeHint;
    this.nextPosition = options.start ?? 0;
  }

  /** Bytes handed to the consumer so far. */
  get bytesRead(): number {
    return this.bytesDelivered;
  }

  override _read(): void {
    this.wanted = true;
    this.pump();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    void this.closeHandle().then(() => callback(error));
  }

  private pump(): void {
    if (this.destroyed || this.ending) return;
    this.deliver();
    if (this.ending) return;
    while (this.canRequest()) this.request();
  }

  private deliver(): void {
    while (this.slots.length > 0 && !this.destroyed) {
      const head = this.slots[0];
      if (head === undefined || head.data === undefined) break;
      this.slots.shift();
      this.heldBytes -= head.data.length;
      this.bytesDelivered += head.data.length;
      // Data already here is pushed even past the high-water mark; only new requests wait.
      if (head.data.length > 0) this.wanted = this.push(head.data);
    }
    if (this.eofAt !== undefined && this.slots.length === 0) this.finish();
  }

  private canRequest(): boolean {
    if (!this.wanted || this.eofAt !== undefined || this.inFlight >= this.concurrency) return false;
    const beyondHint = this.sizeHint !== undefined && this.nextPosition >= this.sizeHint;
    // Past the known size only one probe at a time: it normally just confirms EOF.
    if (beyondHint && this.inFlight > 0) return false;
    const used = this.inFlightBytes + this.heldBytes;
    return used + this.nextLength() <= this.budget || used === 0;
  }

  private nextLength(): number {
    if (this.sizeHint === undefined) return this.chunkSize;
    const left = this.sizeHint - this.nextPosition;
    return left > 0 ? Math.min(this.chunkSize, left) : Math.min(this.chunkSize, PROBE_SIZE);
  }

  private request(): void {
    const slot: Slot = { position: this.nextPosition, length: this.nextLength() };
    this.nextPosition += slot.length;
    this.slots.push(slot);
    this.send(slot);
  }

  private send(slot: Slot): void {
    this.inFlight++;
    this.inFlightBytes += slot.length;
    const buffer = Buffer.allocUnsafe(slot.length);
    this.io.read(this.handle, buffer, slot.position, (err, bytesRead) => {
      this.inFlight--;
      this.inFlightBytes -= slot.length;
      if (this.destroyed || this.ending) return;
      if (err) {
        this.destroy(this.io.mapError(err, 'read', this.path));
        return;
      }
      if (!slot.dropped) this.accept(slot, buffer, bytesRead);
      this.pump();
    });
  }

  private accept(slot: Slot, buffer: Buffer, bytesRead: number): void {
    if (bytesRead === 0) {
      this.markEof(slot.position);
      return;
    }
    if (this.sizeHint !== undefined && slot.position + bytesRead > this.sizeHint) {
      // The file grew since fstat: stop clipping and read on until the server says EOF.
      this.sizeHint = undefined;
    }
    const data = bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
    this.heldBytes += data.length;
    if (bytesRead < slot.length) {
      // Servers may answer short anywhere, not only at EOF: ask again for the rest of this slot.
      const rest: Slot = { position: slot.position + bytesRead, length: slot.length - bytesRead };
      slot.length = bytesRead;
      this.slots.splice(this.slots.indexOf(slot) + 1, 0, rest);
      this.send(rest);
    }
    slot.data = data;
  }

  private markEof(position: number): void {
    this.eofAt = Math.min(this.eofAt ?? position, position);
    const eofAt = this.eofAt;
    for (let i = this.slots.length - 1; i >= 0; i--) {
      const slot = this.slots[i];
      if (slot !== undefined && slot.position >= eofAt) {
        slot.dropped = true;
        if (slot.data) this.heldBytes -= slot.data.length;
        this.slots.splice(i, 1);
      }
    }
  }

  private finish(): void {
    this.ending = true;
    // The handle is closed before the end is signalled, so a consumer that renames or deletes the
    // file on 'end' finds it released.
    void this.closeHandle().then(() => {
      if (!this.destroyed) this.push(null);
    });
  }

  /**
   * Never rejects: once every byte is delivered (or the stream is being torn down anyway) a failed
   * close changes nothing for the reader; the server drops the handle with the connection.
   */
  private closeHandle(): Promise<void> {
    if (this.closing === undefined) {
      this.closing = this.io
        .close(this.handle)
        .catch(() => undefined)
        .finally(() => this.options.onClosed?.());
    }
    return this.closing;
  }
}
