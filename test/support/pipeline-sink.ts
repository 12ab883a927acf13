import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { NodeAPI, Node, NodeDef } from 'node-red';
import { FileBridgeError, type ErrorCode } from '../../src/core/errors';

/** What a test sink saw of one file. */
export interface SinkRecord {
  sink: string;
  name: string;
  relativePath: string;
  bytes: number;
  sha256: string;
  correlationId: string;
  attempt: number;
}

/** Shared by every `test-sink` node of a run; tests reset it. */
export const sinkControl = {
  records: [] as SinkRecord[],
  /** File names matching this fail with `failCode` (CS_REJECTED: as a sink would refuse them). */
  failPattern: undefined as RegExp | undefined,
  failCode: 'CS_REJECTED' as ErrorCode,
  /** When set, only deliveries with an attempt up to this fail (a server that comes back). */
  failUntilAttempt: undefined as number | undefined,
  /** File names matching this are read one chunk, dropped without closing the stream, and failed (a careless node). */
  abandonPattern: undefined as RegExp | undefined,
  /** Per-file processing time. */
  delayMs: 0,
  /** While set, messages are held (not forwarded) until `releaseHeld` is called. */
  hold: false,
  held: [] as (() => void)[],
  reset(): void {
    this.records = [];
    this.failPattern = undefined;
    this.failCode = 'CS_REJECTED';
    this.failUntilAttempt = undefined;
    this.abandonPattern = undefined;
    this.delayMs = 0;
    this.hold = false;
    this.held = [];
  },
  releaseHeld(n = Infinity): void {
    for (const go of this.held.splice(0, n)) go();
  },
};

type SinkMsg = { payload?: unknown; filename?: string; filebridge?: { correlationId?: string; source?: { relativePath?: string; attempt?: number } } };

/**
 * A stand-in for an upload node: reads the whole payload (stream or Buffer), records its hash,
 * then passes the message on, or fails it. A sink stopped by a redeploy drops what it holds, as a
 * crashed runtime would.
 */
export function pipelineSink(RED: NodeAPI): void {
  function TestSink(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let closed = false;
    node.on('close', () => {
      closed = true;
    });
    node.on('input', (raw, send, done) => {
      const msg = raw as unknown as SinkMsg;
      void (async () => {
        if (sinkControl.abandonPattern?.test(String(msg.filename)) && msg.payload instanceof Readable) {
          const payload = msg.payload;
          await new Promise((resolve) => payload.once('readable', resolve));
          payload.read();
          delete msg.payload;
          throw new FileBridgeError('CS_REJECTED', `The sink gave up on ${String(msg.filename)} half way`);
        }
        const hash = createHash('sha256');
        let bytes = 0;
        if (msg.payload instanceof Readable) {
          for await (const chunk of msg.payload) {
            hash.update(chunk as Buffer);
            bytes += (chunk as Buffer).length;
          }
        } else if (Buffer.isBuffer(msg.payload)) {
          hash.update(msg.payload);
          bytes = msg.payload.length;
        } else {
          throw new Error('test-sink: payload is neither a stream nor a Buffer');
        }
        if (sinkControl.delayMs) await new Promise((r) => setTimeout(r, sinkControl.delayMs));
        if (closed) return done();
        const name = String(msg.filename);
        sinkControl.records.push({
          sink: node.id,
          name,
          relativePath: String(msg.filebridge?.source?.relativePath),
          bytes,
          sha256: hash.digest('hex'),
          correlationId: String(msg.filebridge?.correlationId),
          attempt: Number(msg.filebridge?.source?.attempt),
        });
        const attempt = Number(msg.filebridge?.source?.attempt);
        if (sinkControl.failPattern?.test(name) && (sinkControl.failUntilAttempt === undefined || attempt <= sinkControl.failUntilAttempt)) {
          throw new FileBridgeError(sinkControl.failCode, `The sink refused ${name}`);
        }
        if (sinkControl.hold) {
          sinkControl.held.push(() => {
            if (!closed) send(raw);
            done();
          });
          return;
        }
        send(raw);
        done();
      })().catch((err: unknown) => {
        if (msg.payload instanceof Readable) msg.payload.destroy();
        delete msg.payload;
        done(err as Error);
      });
    });
  }
  RED.nodes.registerType('test-sink', TestSink);
}
