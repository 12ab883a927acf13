/**
 * The one place that talks HTTP to File 360: the bearer token, the one retry on 401 with a token
 * shared by all calls, and retries with backoff for what may pass (connection failures, 429 after its
 * Retry-After, 5xx), never for 4xx answers about the request itself.
 *
 * Transport: Node's built-in fetch for JSON calls and downloads (as the Content Server and Dropbox
 * clients do; a download body is a web stream read on demand, so it has backpressure), and node:http
 * for uploads, whose request body is piped with backpressure. Users' package lists name axios, but
 * this package adds no HTTP dependency: fetch and node:http are what every other client here uses and
 * is tested with, and undici's fetch does not wait for the socket to drain a streamed request body on
 * Node 20 (see src/core/content-server/streaming-fetch.ts), which node:http's pipeline does.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable, Transform, pipeline } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { backoffDelay, WakeableSleeps } from '../backoff';
import { FileBridgeError, isFileBridgeError } from '../errors';
import type { File360Tokens } from './auth';
import { F360_HEADERS } from './contract';
import { errnoOf, mapF360Failure, retryAfterMs, transportError } from './errors';
import { parseF360Json, readBodyText, readErrorText, MAX_JSON_BYTES } from './json';
import { multipartStream, UploadSourceError, type MultipartLayout, type UploadSource } from './multipart';

export type Query = Record<string, string | number | undefined>;

export interface CallInfo {
  /** Words for messages: "list the folder", "upload". */
  what: string;
  /** The item, for messages: `folder "Suppliers/ACME"`, `document 2599..`. */
  target?: string;
  /**
   * False for writes that must not happen twice (create, upload with rename): a failure that may hide a
   * success (a 5xx other than 503 or a connection lost after the whole request was sent) is then not
   * retried. Failures that prove nothing was done (429, 503, 401, refused connections, an answer
   * before the body was sent whole) are retried either way.
   */
  idempotent?: boolean;
}

export interface F360HttpOptions {
  apiUrl: string;
  tokens: File360Tokens;
  /** An answer must start within this, and a body must not stall longer (ms). */
  timeoutMs: number;
  /** Retries after 5xx and connection failures. */
  maxRetries: number;
  /** Retries of answers asking to slow down (429): the server did nothing, so they have their own budget. */
  maxRateLimitedRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

export interface F360Stats {
  requests: number;
  rateLimited: number;
  serverErrors: number;
  connectionErrors: number;
  tokenRetries: number;
}

/** An HTTP answer that is not a success, inside one attempt. */
class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly retryAfter: string | null,
    readonly text: string,
    /** For uploads: the server answered before the whole body was sent, so it cannot have stored it. */
    readonly beforeBodyEnd = false,
  ) {
    super(`HTTP ${status}`);
  }
}

/** A transport failure of one upload attempt, and whether the body had been sent whole. */
class UploadTransportFailure extends Error {
  constructor(
    readonly error: unknown,
    readonly bodyComplete: boolean,
  ) {
    super('upload failed');
  }
}

const NOTHING_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export function encodeQuery(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.append(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** The file name of a Content-Disposition header (RFC 6266: `filename*` first, then `filename`). */
export function dispositionFilename(header: string | null): string | undefined {
  if (!header) return undefined;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)?'[^']*'([^;]+)/.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      /* the plain parameter below */
    }
  }
  const plain = /filename\s*=\s*"((?:[^"\\]|\\.)*)"|filename\s*=\s*([^;]+)/i.exec(header);
  return plain ? (plain[1] !== undefined ? plain[1].replace(/\\(.)/g, '$1') : plain[2].trim()) : undefined;
}

export class F360Http {
  readonly stats: F360Stats = { requests: 0, rateLimited: 0, serverErrors: 0, connectionErrors: 0, tokenRetries: 0 };
  private closed = false;
  private readonly sleeps = new WakeableSleeps();

  constructor(private readonly o: F360HttpOptions) {}

  /** A JSON call; resolves with the parsed body ({} for an empty one), ids kept exact. */
  async json(method: string, path: string, call: CallInfo, query?: Query, body?: unknown): Promise<unknown> {
    const where = `${method} ${path}`;
    return this.withRetries(call, async (token) => {
      const res = await this.fetchWithTimeout(`${this.o.apiUrl}${path}${encodeQuery(query)}`, {
        method,
        headers: {
          [F360_HEADERS.authorization]: `${F360_HEADERS.bearer} ${token}`,
          // OpenText's own client sends application/json on every call, GET and DELETE too (pyxecm request_header_user).
          'Content-Type': 'application/json',
          Accept: 'application/json',
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (res.status < 200 || res.status > 299) throw new HttpFailure(res.status, res.headers.get(F360_HEADERS.retryAfter), await readErrorText(res));
      const text = await readBodyText(res, where, MAX_JSON_BYTES);
      return text.trim() === '' ? {} : parseF360Json(text, where);
    });
  }

  /** A content download; the stream has backpressure and fails with TIMEOUT when it stalls. */
  async download(path: string, call: CallInfo): Promise<{ stream: Readable; filename?: string; size?: number; contentType?: string }> {
    return this.withRetries(call, async (token) => {
      const controller = new AbortController();
      let timer = setTimeout(() => controller.abort(new DOMException('no answer', 'TimeoutError')), this.o.timeoutMs);
      let res: Response;
      try {
        this.stats.requests++;
        res = await fetch(`${this.o.apiUrl}${path}`, {
          method: 'GET',
          headers: { [F360_HEADERS.authorization]: `${F360_HEADERS.bearer} ${token}`, Accept: '*/*' },
          signal: controller.signal,
        });
      } catch (err) {
        clearTimeout(timer);
        throw err;
      }
      clearTimeout(timer);
      if (res.status < 200 || res.status > 299) throw new HttpFailure(res.status, res.headers.get(F360_HEADERS.retryAfter), await readErrorText(res));
      const where = `GET ${path}`;
      const idle = (): void => {
        clearTimeout(timer);
        timer = setTimeout(
          () => controller.abort(new FileBridgeError('TIMEOUT', `File 360 stopped sending ${where} for ${this.o.timeoutMs} ms.`)),
          this.o.timeoutMs,
        );
      };
      idle();
      const source = res.body ? Readable.fromWeb(res.body as unknown as NodeReadableStream<Uint8Array>) : Readable.from([]);
      const stream = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          idle();
          cb(null, chunk);
        },
      });
      // pipe keeps the backpressure: the web body is read only as fast as the consumer takes it.
      source.pipe(stream);
      source.on('error', (err) => stream.destroy(isFileBridgeError(err) ? err : transportError(controller.signal.reason ?? err, where)));
      stream.on('close', () => {
        clearTimeout(timer);
        if (!source.destroyed) source.destroy();
      });
      const length = res.headers.get('content-length');
      const out: { stream: Readable; filename?: string; size?: number; contentType?: string } = { stream };
      const filename = dispositionFilename(res.headers.get(F360_HEADERS.contentDisposition));
      if (filename !== undefined) out.filename = filename;
      if (length !== null && /^\d{1,15}$/.test(length)) out.size = Number(length);
      const type = res.headers.get('content-type');
      if (type) out.contentType = type;
      return out;
    });
  }

  /**
   * The multipart upload. Retried (the body sent again from the start) when `source.replayable` and
   * either the server cannot have stored the file (429, 401, an answer or a broken connection before
   * the body was sent whole) or the call is idempotent (collision strategy overwrite).
   */
  async upload(path: string, query: Query, layout: MultipartLayout, source: UploadSource, size: number | undefined, call: CallInfo): Promise<unknown> {
    const url = `${this.o.apiUrl}${path}${encodeQuery(query)}`;
    const where = `POST ${path}`;
    try {
      return await this.withRetries(
        call,
        async (token) => {
          const headers: Record<string, string> = {
            [F360_HEADERS.authorization]: `${F360_HEADERS.bearer} ${token}`,
            'Content-Type': layout.contentType,
            Accept: 'application/json',
          };
          if (layout.contentLength !== undefined) headers['Content-Length'] = String(layout.contentLength);
          const answer = await this.sendBody(url, headers, multipartStream(layout, source.chunks(), size), where);
          if (answer.status < 200 || answer.status > 299) throw new HttpFailure(answer.status, answer.retryAfter, answer.text, !answer.bodyComplete);
          return answer.text.trim() === '' ? {} : parseF360Json(answer.text, where);
        },
        () => source.replayable,
      );
    } finally {
      source.close();
    }
  }

  /** Sends one request with a streamed body over node:http(s); resolves with the whole (bounded) answer. */
  private sendBody(
    url: string,
    headers: Record<string, string>,
    body: Readable,
    where: string,
  ): Promise<{ status: number; retryAfter: string | null; text: string; bodyComplete: boolean }> {
    this.stats.requests++;
    return new Promise((resolve, reject) => {
      const u = new URL(url);
      const controller = new AbortController();
      let bodyComplete = false;
      let settled = false;
      let sourceError: unknown;
      let timer: NodeJS.Timeout | undefined;
      const arm = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => controller.abort(new DOMException('no answer', 'TimeoutError')), this.o.timeoutMs);
      };
      const finish = (err: unknown, value?: { status: number; retryAfter: string | null; text: string; bodyComplete: boolean }): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        body.destroy();
        if (err !== undefined) {
          req.destroy();
          reject(sourceError instanceof UploadSourceError ? sourceError : new UploadTransportFailure(err, bodyComplete));
        } else resolve(value as { status: number; retryAfter: string | null; text: string; bodyComplete: boolean });
      };
      const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method: 'POST', headers, signal: controller.signal });
      req.on('error', (err) => finish(controller.signal.reason ?? err));
      req.on('finish', () => {
        bodyComplete = true;
        arm();
      });
      req.on('response', (res: IncomingMessage) => {
        const complete = bodyComplete;
        readIncoming(res, res.statusCode !== undefined && res.statusCode < 300 ? MAX_JSON_BYTES : 64 * 1024, where).then(
          (text) => {
            const retryAfter = res.headers[F360_HEADERS.retryAfter];
            finish(undefined, { status: res.statusCode ?? 500, retryAfter: typeof retryAfter === 'string' ? retryAfter : null, text, bodyComplete: complete });
            // The server answered before reading all of the body: stop sending, close the socket.
            if (!complete) req.destroy();
          },
          (err: unknown) => finish(err),
        );
      });
      body.on('data', () => arm());
      arm();
      pipeline(body, req, (err) => {
        if (err && !settled) {
          // The body generator failing (a short or long source, a source read error) is not the network.
          if (err instanceof UploadSourceError) sourceError = err;
          finish(err);
        }
      });
    });
  }

  /** Runs `attempt` with a token, retrying as the module comment says; errors come out coded. */
  private async withRetries<T>(call: CallInfo, attempt: (token: string) => Promise<T>, canRetry: () => boolean = () => true): Promise<T> {
    const idempotent = call.idempotent ?? true;
    let tokenRetried = false;
    let slowedDown = 0;
    /** A retry was made after a failure that may hide a success (the answer, not the request, was lost). */
    let uncertain = false;
    const secrets = (): string[] => this.o.tokens.secrets();
    for (let n = 0; ; n++) {
      if (this.closed) throw new FileBridgeError('CONNECTION', `The File 360 connection is closed; could not ${call.what}.`);
      let token: string;
      try {
        token = await this.o.tokens.get();
      } catch (err) {
        if (isFileBridgeError(err) && err.retryable && n < this.o.maxRetries) {
          this.stats.connectionErrors++;
          await this.pause(this.backoff(n));
          continue;
        }
        throw err;
      }
      try {
        return await attempt(token);
      } catch (err) {
        if (err instanceof HttpFailure) {
          const again = canRetry();
          if (err.status === 401 && !tokenRetried) {
            tokenRetried = true;
            this.stats.tokenRetries++;
            await this.o.tokens.replace(token);
            if (!again) {
              // The token ended while a stream too long to keep was being sent: the next call has a new
              // token, and the transfer may simply be done again (CONNECTION is retryable).
              throw new FileBridgeError(
                'CONNECTION',
                `File 360 ended the sign-in while trying to ${call.what}${call.target ? ` ${call.target}` : ''}, and the stream cannot be sent again from here; try again.`,
                { status: 401 },
              );
            }
            n--;
            continue;
          }
          if (err.status === 429 && slowedDown < this.o.maxRateLimitedRetries && again) {
            this.stats.rateLimited++;
            await this.pause(retryAfterMs(err.retryAfter) ?? this.backoff(Math.min(slowedDown, 8)));
            slowedDown++;
            n--;
            continue;
          }
          // 503 says the server could not handle the request (RFC 9110 15.6.4): nothing was done, as with 429.
          const notHandled = err.status === 503 || err.beforeBodyEnd;
          if ((err.status >= 500 || err.status === 408) && (idempotent || notHandled) && n < this.o.maxRetries && again) {
            this.stats.serverErrors++;
            if (!notHandled) uncertain = true;
            await this.pause(retryAfterMs(err.retryAfter, this.o.retryMaxMs) ?? this.backoff(n));
            continue;
          }
          const mapped = mapF360Failure(err.status, err.text, call.what, call.target, secrets());
          // A 409 after a retry of a write whose first answer was lost may be about that first write.
          if (uncertain) mapped.details.afterUncertainRetry = true;
          throw mapped;
        }
        if (err instanceof UploadSourceError || (isFileBridgeError(err) && err.code !== 'CONNECTION' && err.code !== 'TIMEOUT')) throw err;
        const bodyComplete = err instanceof UploadTransportFailure ? err.bodyComplete : true;
        const cause = err instanceof UploadTransportFailure ? err.error : err;
        const mapped = transportError(cause, `${call.what}${call.target ? ` ${call.target}` : ''}`);
        const errno = errnoOf(cause);
        const nothingDone = !bodyComplete || (errno !== undefined && NOTHING_SENT.has(errno));
        if ((idempotent || nothingDone) && n < this.o.maxRetries && canRetry()) {
          this.stats.connectionErrors++;
          if (!nothingDone) uncertain = true;
          await this.pause(this.backoff(n));
          continue;
        }
        throw mapped;
      }
    }
  }

  private async fetchWithTimeout(url: string, init: RequestInit): Promise<Response> {
    this.stats.requests++;
    return fetch(url, { ...init, signal: AbortSignal.timeout(this.o.timeoutMs) });
  }

  backoff(attempt: number): number {
    return backoffDelay(attempt, this.o.retryBaseMs, this.o.retryMaxMs);
  }

  /** Sleeps, but wakes (and the call then fails) when the client is closed. */
  private async pause(ms: number): Promise<void> {
    await this.sleeps.sleep(ms);
  }

  close(): void {
    this.closed = true;
    this.sleeps.wakeAll();
  }
}

/** Reads an IncomingMessage whole, failing past `limit` bytes. */
function readIncoming(res: IncomingMessage, limit: number, where: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        res.destroy();
        reject(new FileBridgeError('CONNECTION', `File 360 answered ${where} with more than ${limit} bytes; it was not read.`, { request: where }));
        return;
      }
      parts.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('aborted')));
  });
}
