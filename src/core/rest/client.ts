/**
 * The generic REST client of the xConnector: `openRestClient(options)` gives `request` (one call, with
 * authentication, retries, rate limit, proxy, TLS and size limits), `paginate` (paging.ts) and `close`.
 *
 * Retry rules (README "xConnector (REST)"):
 * - connection failures, timeouts and 408/502/503/504 are retried with backoff (src/core/backoff.ts) up
 *   to `retries` times, for GET/HEAD/PUT/DELETE (idempotent, RFC 9110 9.2.2) and for POST/PATCH only
 *   when the request carries an idempotency key (draft-ietf-httpapi-idempotency-key-header-09, Nov
 *   2026: the header "can be used to make non-idempotent HTTP methods such as POST or PATCH
 *   fault-tolerant"; a server that honours it answers a repeat with the first answer). A refused connection (nothing
 *   sent) is retried for every method.
 * - 429 is retried for every method (RFC 6585 4: the server refused to process it) after its
 *   Retry-After (seconds or HTTP date, RFC 9110 10.2.3; capped), with its own budget.
 * - a 401 with OAuth2 drops the token, gets a new one (one request shared by all calls) and tries once more.
 * - a body that cannot be produced again (a one-shot stream already read) is never sent twice.
 * - redirects are not followed (3xx comes back as an answer); secrets go only to the base URL's origin
 *   (and the token URL): an absolute URL on another origin is refused.
 */
import { Readable, Transform } from 'node:stream';
import { backoffDelay, WakeableSleeps } from '../backoff';
import { FileBridgeError, isFileBridgeError } from '../errors';
import { RestAuthorizer } from './auth';
import { codedCause, errnoOf, mapRestFailure, redactUrl, retryAfterMs, transportError, type RestMethod } from './errors';
import { multipartLayout, multipartStream } from './multipart';
import { paginate as paginatePages, type PageResult, type Paging } from './paging';
import { RateLimiter } from './rate-limit';
import type { RestOptions } from './rest-config';
import { ExchangeFailure, readAll, Transport } from './transport';

export type { RestMethod } from './errors';

export type StreamSource = (() => Readable) | Readable;

export type RestBody =
  | { kind: 'json'; value: unknown }
  | { kind: 'stream'; open: StreamSource; contentType?: string; size?: number }
  | { kind: 'multipart'; field: string; filename: string; contentType?: string; open: StreamSource; size?: number; fields?: Record<string, string> };

export interface RestRequest {
  method: RestMethod;
  /** Relative to the base URL, or an absolute URL on the base URL's origin. */
  path: string;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  body?: RestBody;
  responseType: 'json' | 'stream' | 'none';
  idempotencyKey?: string;
  /** Limit of a JSON answer (bytes); default the connection's (16 MiB). */
  maxJsonBytes?: number;
}

export interface RestResponse {
  status: number;
  headers: Record<string, string>;
  /** The URL answered (secret query values redacted). */
  url: string;
  body?: unknown;
  /** responseType 'stream': the body; the caller must consume or destroy it. */
  stream?: Readable;
  /** The server answered with the first answer to this idempotency key (`Idempotent-Replayed: true`). */
  replayed?: boolean;
}

export interface RestStats {
  requests: number;
  retries: number;
  rateLimited: number;
  tokenRetries: number;
  tokenRequests: number;
}

export interface RestClient {
  readonly options: RestOptions;
  request(req: RestRequest): Promise<RestResponse>;
  paginate(req: RestRequest, paging: Paging): AsyncIterable<PageResult>;
  stats(): RestStats;
  close(): void;
}

const METHODS: readonly RestMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'];
const IDEMPOTENT = new Set<RestMethod>(['GET', 'HEAD', 'PUT', 'DELETE']);
const NOTHING_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const RETRY_STATUSES = new Set([408, 502, 503, 504]);
export const DEFAULT_MAX_JSON_BYTES = 16 * 1024 * 1024;
const ERROR_BODY_LIMIT = 64 * 1024;

function hostKey(u: URL): string {
  return `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
}

/** `stream` passed through, failing with INVALID_INPUT when it gives more or fewer bytes than `size` (the Content-Length sent). */
function sizeChecked(stream: Readable, size: number | undefined): Readable {
  if (size === undefined) return stream;
  let seen = 0;
  const wrong = (): FileBridgeError =>
    new FileBridgeError(
      'INVALID_INPUT',
      `The request body stream gave ${seen > size ? `more than ${size}` : seen} bytes where its size was given as ${size}; nothing more was sent.`,
      {
        size,
        sent: seen,
      },
    );
  const check = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > size) cb(wrong());
      else cb(null, chunk);
    },
    flush(cb) {
      cb(seen === size ? null : wrong());
    },
  });
  stream.on('error', (err) => check.destroy(err));
  check.on('close', () => {
    if (!stream.destroyed) stream.destroy();
  });
  return stream.pipe(check);
}

/** A body for one attempt, and whether another attempt could send it again. */
interface BodySource {
  contentType?: string;
  length?: number;
  /** The body of the next attempt; undefined when it cannot be produced again. */
  next(): Buffer | Readable | undefined;
  replayable(): boolean;
}

function bodySource(body: RestBody | undefined): BodySource | undefined {
  if (!body) return undefined;
  if (body.kind === 'json') {
    let bytes: Buffer;
    try {
      bytes = Buffer.from(JSON.stringify(body.value) ?? 'null', 'utf8');
    } catch (err) {
      throw new FileBridgeError('INVALID_INPUT', `The request body cannot be written as JSON: ${(err as Error).message}.`);
    }
    return { contentType: 'application/json', length: bytes.length, next: () => bytes, replayable: () => true };
  }
  const open = body.open;
  let used = false;
  const oneShot = typeof open !== 'function';
  const opened = (): Readable | undefined => {
    if (typeof open === 'function') return sizeChecked(open(), body.size);
    if (used) return undefined;
    used = true;
    return sizeChecked(open, body.size);
  };
  const replayable = (): boolean => !oneShot || (!used && !open.readableDidRead && !open.destroyed);
  if (body.kind === 'stream') {
    const out: BodySource = { contentType: body.contentType ?? 'application/octet-stream', next: opened, replayable };
    if (body.size !== undefined) out.length = body.size;
    return out;
  }
  const layout = multipartLayout({ field: body.field, filename: body.filename, contentType: body.contentType, fields: body.fields, size: body.size });
  const out: BodySource = {
    contentType: layout.contentType,
    next: () => {
      const file = opened();
      return file ? multipartStream(layout, file) : undefined;
    },
    replayable,
  };
  if (layout.length !== undefined) out.length = layout.length;
  return out;
}

class Client implements RestClient {
  private readonly transport: Transport;
  private readonly auth: RestAuthorizer;
  private readonly limiter: RateLimiter;
  private readonly sleeps = new WakeableSleeps();
  private readonly base: URL;
  private closed = false;
  /** Secrets of the proxy setting (its password), blanked out of error texts with the sign-in's. */
  private readonly proxySecrets: string[];
  private readonly counts = { requests: 0, retries: 0, rateLimited: 0, tokenRetries: 0 };

  constructor(readonly options: RestOptions) {
    this.base = new URL(options.baseUrl);
    this.transport = new Transport({
      connectTimeoutMs: options.connectTimeoutMs,
      ca: options.ca,
      pin: options.pin,
      pinnedHost: hostKey(this.base),
      rejectUnauthorized: options.rejectUnauthorized,
      proxy: options.proxy,
    });
    this.auth = new RestAuthorizer(options.auth, this.transport, options.timeoutMs);
    this.proxySecrets = [];
    if (options.proxy.mode === 'url') {
      if (options.proxy.password) this.proxySecrets.push(options.proxy.password);
      try {
        const u = new URL(options.proxy.url);
        if (u.password) this.proxySecrets.push(decodeURIComponent(u.password));
      } catch {
        // refused when a socket is opened
      }
    }
    this.limiter = new RateLimiter(options.rateLimit, this.sleeps);
  }

  private secrets(): string[] {
    return [...this.auth.secrets(), ...this.proxySecrets];
  }

  stats(): RestStats {
    return { ...this.counts, tokenRequests: this.auth.tokenRequests };
  }

  /** The URL of a request: base URL + relative path, or an absolute URL on the base URL's origin. */
  resolve(path: string, query: RestRequest['query']): URL {
    // eslint-disable-next-line no-control-regex
    if (typeof path !== 'string' || /[\u0000-\u001f\u007f\s]/.test(path)) {
      throw new FileBridgeError('INVALID_INPUT', 'The request path is empty or holds spaces or control characters: URL-encode it.', {
        path: String(path).slice(0, 200),
      });
    }
    let url: URL;
    if (/^[a-z][a-z0-9+.-]*:/i.test(path)) {
      try {
        url = new URL(path);
      } catch {
        throw new FileBridgeError('INVALID_INPUT', `The request URL "${redactUrl(path)}" is not a URL.`);
      }
      if (url.origin !== this.base.origin) {
        throw new FileBridgeError(
          'INVALID_INPUT',
          `The request URL ${redactUrl(url.toString())} is on another origin than the connection's base URL (${this.base.origin}); the connection's credentials are only sent to the host they were saved for, so it was not called. Use a REST connection for ${url.origin}.`,
          { url: redactUrl(url.toString()), origin: url.origin, baseOrigin: this.base.origin },
        );
      }
    } else {
      const rel = path === '' ? '' : path.startsWith('/') || path.startsWith('?') ? path : `/${path}`;
      url = new URL(`${this.options.baseUrl}${rel}`);
      if (url.origin !== this.base.origin) throw new FileBridgeError('INVALID_INPUT', `The request path "${path.slice(0, 200)}" leaves the base URL.`);
    }
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  private backoff(n: number): number {
    return backoffDelay(n, this.options.retryBaseMs ?? 500, this.options.retryMaxMs ?? 30_000);
  }

  async request(req: RestRequest): Promise<RestResponse> {
    if (!METHODS.includes(req.method))
      throw new FileBridgeError('INVALID_INPUT', `"${String(req.method)}" is not an HTTP method this client sends (${METHODS.join(', ')}).`);
    const target = this.resolve(req.path, req.query);
    const secretParams = this.auth.secretParams();
    const shownUrl = redactUrl(target.toString(), secretParams);
    const method = req.method;
    const keyed = req.idempotencyKey !== undefined && req.idempotencyKey !== '';
    const mayRepeat = IDEMPOTENT.has(method) || keyed;
    const body = bodySource(req.body);
    const maxJson = req.maxJsonBytes ?? this.options.maxJsonBytes ?? DEFAULT_MAX_JSON_BYTES;
    const retryAfterCap = this.options.retryAfterCapMs ?? 120_000;
    const rateBudget = this.options.rateLimitedRetries ?? Math.max(10, 2 * this.options.retries);
    let tokenRetried = false;
    let slowedDown = 0;
    let retried = 0;
    const fail = (why: string): FileBridgeError => new FileBridgeError('CONNECTION', `The REST connection is closed; ${why}.`, { method, url: shownUrl });
    const pause = async (ms: number): Promise<void> => {
      this.counts.retries++;
      await this.sleeps.sleep(ms);
      if (this.closed) throw fail(`${method} ${shownUrl} was not retried`);
    };
    for (let n = 0; ; n++) {
      if (this.closed) throw fail(`${method} ${shownUrl} was not sent`);
      const url = new URL(target.toString());
      const headers: Record<string, string> = {
        Accept: req.responseType === 'json' ? 'application/json' : '*/*',
        ...this.options.headers,
        ...(req.headers ?? {}),
      };
      if (keyed) headers[this.options.idempotencyHeader] = req.idempotencyKey as string;
      for (const [name, value] of Object.entries(headers)) {
        // eslint-disable-next-line no-control-regex
        if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || typeof value !== 'string' || /[\r\n\u0000]/.test(value)) {
          throw new FileBridgeError(
            'INVALID_INPUT',
            `The request header "${name.slice(0, 100)}" has an invalid name or a value with a line break; nothing was sent.`,
            {
              header: name.slice(0, 100),
            },
          );
        }
      }
      let token: string | undefined;
      try {
        token = await this.auth.apply(headers, url);
      } catch (err) {
        if (isFileBridgeError(err) && err.retryable && n < this.options.retries) {
          await pause(this.backoff(n));
          continue;
        }
        throw err;
      }
      const data = body?.next();
      if (body && data === undefined) {
        throw new FileBridgeError(
          'CONNECTION',
          `${method} ${shownUrl} must be sent again, but its body was a stream that has been read already; send the message again.`,
          {
            method,
            url: shownUrl,
          },
        );
      }
      if (body?.contentType) headers['Content-Type'] = body.contentType;
      if (body?.length !== undefined) headers['Content-Length'] = String(body.length);
      await this.limiter.take();
      if (this.closed) throw fail(`${method} ${shownUrl} was not sent`);
      this.counts.requests++;
      let answer;
      try {
        answer = await this.transport.exchange({ method, url: url.toString(), headers, body: data, timeoutMs: this.options.timeoutMs, shownUrl });
      } catch (err) {
        const cause = err instanceof ExchangeFailure ? err.error : err;
        const mapped = transportError(cause, method, shownUrl, this.secrets());
        const errno = errnoOf(cause);
        // Our agent's own failures (connect timeout, the proxy giving no tunnel) came before any request byte.
        const own = codedCause(cause);
        const beforeConnect = own !== undefined && (own.code === 'TIMEOUT' || own.code === 'CONNECTION') && ('host' in own.details || 'proxy' in own.details);
        const nothingSent = beforeConnect || (errno !== undefined && NOTHING_SENT.has(errno));
        const retryable = mapped.code === 'CONNECTION' || mapped.code === 'TIMEOUT';
        if (retryable && (mayRepeat || nothingSent) && n < this.options.retries && (body?.replayable() ?? true)) {
          retried++;
          await pause(this.backoff(n));
          continue;
        }
        if (retried) mapped.details.retries = retried;
        throw mapped;
      }
      const status = answer.status;
      if (status >= 200 && status < 300) {
        const out: RestResponse = { status, headers: answer.headers, url: shownUrl };
        if (answer.headers['idempotent-replayed'] === 'true') out.replayed = true;
        if (req.responseType === 'stream') {
          out.stream = answer.body;
          return out;
        }
        try {
          if (req.responseType === 'none') {
            await readAll(answer.body, 1024 * 1024);
            return out;
          }
          const bytes = await readAll(
            answer.body,
            maxJson,
            () =>
              new FileBridgeError(
                'INVALID_INPUT',
                `The API answered ${method} ${shownUrl} with more than ${maxJson} bytes of JSON, the limit; ask for smaller pages, or take the answer as a stream.`,
                { method, url: shownUrl, status, limit: maxJson },
              ),
          );
          const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
          if (text.trim() !== '') {
            try {
              out.body = JSON.parse(text);
            } catch {
              throw new FileBridgeError(
                'INVALID_INPUT',
                `The API answered ${method} ${shownUrl} with a body that is not JSON (Content-Type ${answer.headers['content-type'] ?? 'none'}); take the answer as a stream instead.`,
                { method, url: shownUrl, status },
              );
            }
          }
          return out;
        } catch (err) {
          throw transportError(err, method, shownUrl, this.secrets());
        }
      }
      // Not a success: read (at most 64 KiB of) the error text, then decide.
      let errorText = '';
      try {
        errorText = (await readAll(answer.body, ERROR_BODY_LIMIT)).toString('utf8');
      } catch {
        // what came is enough, or nothing
      }
      const again = body?.replayable() ?? true;
      if (status === 401 && this.auth.renewable && !tokenRetried) {
        tokenRetried = true;
        this.counts.tokenRetries++;
        if (again) {
          await this.auth.replace(token);
          n--;
          continue;
        }
        this.auth.forget();
        throw new FileBridgeError(
          'CONNECTION',
          `The API ended the sign-in (HTTP 401) while ${method} ${shownUrl} was sent, and its body was a stream that cannot be sent again from here; send the message again (a new token will be used).`,
          { status, method, url: shownUrl },
        );
      }
      if (status === 429 && slowedDown < rateBudget && again) {
        slowedDown++;
        this.counts.rateLimited++;
        await pause(retryAfterMs(answer.headers['retry-after'], retryAfterCap) ?? this.backoff(Math.min(slowedDown - 1, 8)));
        n--;
        continue;
      }
      if (RETRY_STATUSES.has(status) && mayRepeat && n < this.options.retries && again) {
        retried++;
        await pause(retryAfterMs(answer.headers['retry-after'], retryAfterCap) ?? this.backoff(n));
        continue;
      }
      if (status >= 300 && status < 400) {
        const location = answer.headers.location ? redactUrl(new URL(answer.headers.location, url).toString(), secretParams) : undefined;
        throw new FileBridgeError(
          'INVALID_INPUT',
          `The API answered ${method} ${shownUrl} with a redirect (HTTP ${status}${location ? ` to ${location}` : ''}), which is not followed (the credentials would go with it): check the REST connection's base URL and the request path.`,
          location ? { status, method, url: shownUrl, location } : { status, method, url: shownUrl },
        );
      }
      throw mapRestFailure(status, errorText, method, shownUrl, this.secrets(), { retried: retried + slowedDown });
    }
  }

  paginate(req: RestRequest, paging: Paging): AsyncIterable<PageResult> {
    return paginatePages(
      (r) => this.request(r),
      req,
      paging,
      (path) => this.resolve(path, undefined).toString(),
    );
  }

  close(): void {
    this.closed = true;
    this.sleeps.wakeAll();
    this.transport.close();
  }
}

/** A REST client for one connection (options from restOptionsFromConfig). */
export function openRestClient(options: RestOptions): RestClient {
  return new Client(options);
}

/** Calls `path` (GET) once with the connection's settings: status, time, and whether the sign-in was accepted. */
export async function testRestConnection(options: RestOptions, path = options.testPath): Promise<{ status: number; ms: number; authenticated: boolean }> {
  const client = openRestClient({ ...options, retries: 0, rateLimitedRetries: 0 });
  const started = Date.now();
  try {
    const res = await client.request({ method: 'GET', path, responseType: 'none' });
    return { status: res.status, ms: Date.now() - started, authenticated: true };
  } catch (err) {
    // 403/404/other 4xx: the API was reached and did not refuse the sign-in.
    if (isFileBridgeError(err) && ['NOT_FOUND', 'PERMISSION_DENIED', 'API_REJECTED', 'CONFLICT'].includes(err.code) && typeof err.details.status === 'number') {
      return { status: err.details.status, ms: Date.now() - started, authenticated: err.code !== 'PERMISSION_DENIED' };
    }
    throw err;
  } finally {
    client.close();
  }
}
