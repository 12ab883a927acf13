import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { FileBridgeError } from '../errors';
import { failureFrom, type DropboxFailure } from './http';

/** A content-route answer (upload JSON, download metadata) is small; more than this is a lying peer. */
export const MAX_CONTENT_JSON = 1024 * 1024;

/**
 * The answer of one content-route request, its body still a Node stream (IncomingMessage): a
 * download is read from it with backpressure (pause/resume), an upload's answer parsed by `json()`.
 */
export class ContentAnswer {
  readonly headers: Headers;

  constructor(readonly body: IncomingMessage) {
    this.headers = headersOf(body);
  }

  get status(): number {
    return this.body.statusCode ?? 0;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** The body parsed as JSON, at most `MAX_CONTENT_JSON` bytes. */
  async json(): Promise<unknown> {
    const text = await readMessageText(this.body, MAX_CONTENT_JSON, true);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new FileBridgeError('CONNECTION', 'Dropbox sent an unreadable answer to a content request.');
    }
  }

  /** Drops the body (the connection is closed rather than read to its end). */
  discard(): void {
    this.body.destroy();
  }
}

function headersOf(msg: IncomingMessage): Headers {
  const h = new Headers();
  for (const [name, value] of Object.entries(msg.headers)) {
    if (value === undefined) continue;
    try {
      if (Array.isArray(value)) for (const v of value) h.append(name, v);
      else h.set(name, value);
    } catch {
      // a header value Headers refuses (control characters from a broken peer) is left out
    }
  }
  return h;
}

/**
 * Reads a message body as text, at most `limit` bytes. With `strict`, a longer body is an error
 * (CONNECTION); otherwise it is cut at `limit` (error bodies: enough to say what went wrong).
 */
export function readMessageText(msg: IncomingMessage, limit: number, strict = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    let finished = false;
    const stop = (): boolean => {
      if (finished) return false;
      finished = true;
      msg.off('data', onData);
      msg.off('end', done);
      msg.off('error', onError);
      msg.off('close', onClose);
      return true;
    };
    const done = (): void => {
      if (stop()) resolve(Buffer.concat(parts).subarray(0, limit).toString('utf8'));
    };
    const onError = (err: Error): void => {
      if (stop()) reject(err);
    };
    // A body whose connection broke before its end (a close without 'end').
    const onClose = (): void => onError(Object.assign(new Error('the answer broke off'), { code: 'ECONNRESET' }));
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) parts.push(chunk);
      if (size >= limit) {
        msg.destroy();
        if (strict && size > limit) return onError(new FileBridgeError('CONNECTION', `Dropbox sent an answer larger than ${limit} bytes; it was not read.`));
        done();
      }
    };
    msg.on('data', onData);
    msg.on('end', done);
    msg.on('error', onError);
    msg.on('close', onClose);
  });
}

/** What an HTTP failure said, its body read up to 64 KiB (as `failureOf` does for fetch responses). */
export async function failureOfAnswer(answer: ContentAnswer): Promise<DropboxFailure> {
  let text = '';
  try {
    text = await readMessageText(answer.body, 64 * 1024);
  } catch {
    // a body that breaks off: the status alone tells
  }
  return failureFrom(answer.status, answer.headers, text);
}

/**
 * Content routes (files/download, files/upload, upload sessions) go through node:http(s) with a
 * keep-alive agent per account, not through fetch: a download body is an IncomingMessage read with
 * plain pause/resume backpressure (fetch's WHATWG stream cost about twice the CPU per byte, which
 * halved the rate on a busy machine), and an upload body is written as the list of pieces it was
 * read in, without first copying them into one buffer (the pieces stay in memory until the answer
 * came, so a request can be sent again after a 5xx or a dropped connection).
 */
export class ContentTransport {
  private readonly httpAgent = new HttpAgent({ keepAlive: true });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true });

  /**
   * POSTs `body` (pieces, sent in order; none = empty body) to `url`. Resolves with the answer once its
   * headers came; rejects with a `TimeoutError` when they did not come within `timeoutMs`, or with the
   * socket's error (its `code`: ECONNRESET, ECONNREFUSED...).
   */
  post(url: string, headers: Record<string, string>, body: readonly Uint8Array[] | undefined, timeoutMs: number): Promise<ContentAnswer> {
    const target = new URL(url);
    const length = body?.reduce((n, piece) => n + piece.length, 0) ?? 0;
    const all: OutgoingHttpHeaders = { ...headers, 'Content-Length': String(length) };
    return new Promise<ContentAnswer>((resolve, reject) => {
      let req: ClientRequest;
      let settled = false;
      const timer = setTimeout(() => req.destroy(new DOMException('answer timed out', 'TimeoutError')), timeoutMs);
      const fail = (err: Error): void => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        reject(err);
      };
      try {
        const options = { method: 'POST', headers: all };
        req =
          target.protocol === 'https:'
            ? httpsRequest(target, { ...options, agent: this.httpsAgent })
            : httpRequest(target, { ...options, agent: this.httpAgent });
      } catch (err) {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      req.on('error', fail);
      req.on('response', (msg) => {
        clearTimeout(timer);
        if (settled) return void msg.destroy();
        settled = true;
        resolve(new ContentAnswer(msg));
      });
      // The pieces are written as they are (no copy); Node queues them on the socket in order.
      req.cork();
      for (const piece of body ?? []) req.write(piece);
      req.uncork();
      req.end();
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
