import { Dropbox, DropboxResponseError } from 'dropbox';
import { backoffDelay, sleep, WakeableSleeps } from '../backoff';
import { FileBridgeError } from '../errors';
import { checkDropboxOptions, DEFAULT_CONNECT_TIMEOUT_MS, DropboxTokens, type DropboxOptions } from './auth';
import { ContentTransport, failureOfAnswer, type ContentAnswer } from './content-request';
import {
  DROPBOX_CONTENT,
  dropboxFetch,
  headerSafeJson,
  isExpiredToken,
  isRateLimited,
  mapDropboxFailure,
  mapFetchError,
  normaliseServiceUrl,
  retryAfterMs,
  rewriteDropboxUrl,
  socketErrorCode,
  type DropboxFailure,
  type FetchLike,
} from './http';

/** Thrown inside one attempt: an HTTP answer that was not a success. */
export class DropboxHttpFailure extends Error {
  constructor(readonly failure: DropboxFailure) {
    super(`HTTP ${failure.status}`);
  }
}

export interface CallOptions {
  /** Words for messages: "list", "upload", ... */
  what: string;
  path?: string;
  /**
   * False for calls that must not run twice (move, delete, commit): then only answers that prove
   * Dropbox did nothing (429, too_many_write_operations, expired token, refused connection) are retried.
   */
  idempotent?: boolean;
}

export interface RetryStats {
  rateLimited: number;
  serverErrors: number;
  connectionErrors: number;
  tokenRetries: number;
}

/**
 * True for a fetch that failed on the network (undici throws `TypeError('fetch failed')` with the
 * socket error as cause, or 'terminated' when a body breaks off); false for a request we built wrong
 * (an invalid header value is a TypeError too), which no retry can fix.
 */
function isNetworkFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  // node:http (content routes) throws the socket's own error, with its code; any other code is no network failure.
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return socketErrorCode(err) !== undefined;
  return err.message === 'fetch failed' || err.message === 'terminated' || err.cause !== undefined;
}

const NOTHING_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * One Dropbox account: its token provider (one refresh shared by all sessions of a pool), the SDK for
 * RPC routes, our own requests for content routes, and the retry policy around both:
 * - 429 and `too_many_write_operations` are retried after `Retry-After` (or backoff when absent),
 * - 5xx and connection failures with exponential backoff and jitter (src/core/backoff.ts),
 * - a 401 `expired_access_token` once with a fresh token; other 4xx never.
 * Dropbox documents these answers at https://www.dropbox.com/developers/documentation/http/documentation#error-handling.
 */
export class DropboxClient {
  readonly serviceUrl: string;
  readonly fetch: FetchLike;
  /** fetch without a default timeout, for the long-poll (content routes go through `transport`). */
  readonly streamFetch: FetchLike;
  readonly tokens: DropboxTokens;
  readonly options: DropboxOptions;
  /** Content routes: node:http(s) with a keep-alive agent of this account's own. */
  readonly transport = new ContentTransport();
  readonly stats: RetryStats = { rateLimited: 0, serverErrors: 0, connectionErrors: 0, tokenRetries: 0 };
  private pathRoot: string | undefined;
  private pathRootReady: Promise<void> | undefined;
  private closed = false;
  private readonly sleeps = new WakeableSleeps();

  constructor(options: DropboxOptions) {
    checkDropboxOptions(options);
    this.options = options;
    this.serviceUrl = normaliseServiceUrl(options.serviceUrl);
    this.fetch = dropboxFetch(this.serviceUrl, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, options.fetch);
    this.streamFetch = dropboxFetch(this.serviceUrl, 0, options.fetch);
    this.tokens = new DropboxTokens(options.appKey, options.refreshToken, this.fetch);
  }

  get maxRetries(): number {
    return this.options.maxRetries ?? 8;
  }

  get maxRateLimitedRetries(): number {
    return this.options.maxRateLimitedRetries ?? 30;
  }

  /** The `Dropbox-API-Path-Root` header value when working in the team space (read once per client). */
  async ensurePathRoot(): Promise<void> {
    if (!this.options.teamRoot) return;
    this.pathRootReady ??= (async () => {
      const account = await this.rpc({ what: 'read the account' }, (dbx) => dbx.usersGetCurrentAccount());
      const root = account.root_info.root_namespace_id;
      // https://www.dropbox.com/developers/reference/path-root-header-modes: {".tag": "root", "root": <id>}
      this.pathRoot = JSON.stringify({ '.tag': 'root', root });
    })().catch((err: unknown) => {
      this.pathRootReady = undefined;
      throw err;
    });
    await this.pathRootReady;
  }

  get pathRootHeader(): string | undefined {
    return this.pathRoot;
  }

  /** Calls an SDK route with a current token and our retries; resolves with the route's result. */
  async rpc<T>(call: CallOptions, fn: (dbx: Dropbox) => Promise<{ result: T }>): Promise<T> {
    return this.withRetries(call, async (token) => {
      const dbx = new Dropbox({ accessToken: token, fetch: this.fetch, pathRoot: this.pathRoot });
      try {
        return (await fn(dbx)).result;
      } catch (err) {
        if (err instanceof DropboxResponseError) {
          const e = err as DropboxResponseError<unknown>;
          throw new DropboxHttpFailure({ status: e.status, headers: e.headers instanceof Headers ? e.headers : new Headers(), body: e.error });
        }
        throw err;
      }
    });
  }

  /**
   * A content-route request (`Dropbox-API-Arg` header, octet-stream body) with our retries, through
   * node:http(s) (content-request.ts). `body` is the bytes as a list of pieces, sent in order without
   * being joined (and sent again from the same pieces when the request is retried). Resolves with the
   * successful answer, whose body the caller consumes (downloads stream it).
   */
  async content(
    call: CallOptions,
    route: string,
    arg: unknown,
    body?: Uint8Array | readonly Uint8Array[],
    headers: Record<string, string> = {},
  ): Promise<ContentAnswer> {
    const pieces = body === undefined ? undefined : body instanceof Uint8Array ? [body] : body;
    const length = pieces?.reduce((n, p) => n + p.length, 0) ?? 0;
    const url = rewriteDropboxUrl(`${DROPBOX_CONTENT}/2/${route}`, this.serviceUrl);
    return this.withRetries(call, async (token) => {
      const h: Record<string, string> = { Authorization: `Bearer ${token}`, 'Dropbox-API-Arg': headerSafeJson(arg), ...headers };
      if (pieces !== undefined) h['Content-Type'] = 'application/octet-stream';
      if (this.pathRoot) h['Dropbox-API-Path-Root'] = this.pathRoot;
      // The answer must start within the connect timeout plus one second per 64 KiB sent (a 16 MiB chunk on a slow line).
      const timeoutMs = (this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS) + Math.ceil(length / 65_536) * 1000;
      const res = await this.transport.post(url, h, pieces, timeoutMs);
      if (!res.ok) throw new DropboxHttpFailure(await failureOfAnswer(res));
      return res;
    });
  }

  /** Runs `attempt` with a token, retrying as the class comment says; errors come out coded. */
  async withRetries<T>(call: CallOptions, attempt: (token: string) => Promise<T>): Promise<T> {
    const idempotent = call.idempotent ?? true;
    let tokenRetried = false;
    let slowedDown = 0;
    for (let n = 0; ; n++) {
      if (this.closed) throw new FileBridgeError('CONNECTION', `The Dropbox session is closed; could not ${call.what}.`, call.path ? { path: call.path } : {});
      let token: string;
      try {
        token = await this.tokens.get();
      } catch (err) {
        // A refresh that could not reach Dropbox (or was told to slow down) is tried again; a refused one is not.
        if (err instanceof FileBridgeError && err.retryable && n < this.maxRetries) {
          this.stats.connectionErrors++;
          await this.pause(this.backoff(n));
          continue;
        }
        throw err;
      }
      try {
        return await attempt(token);
      } catch (err) {
        if (err instanceof DropboxHttpFailure) {
          const f = err.failure;
          if (isExpiredToken(f) && !tokenRetried) {
            tokenRetried = true;
            this.stats.tokenRetries++;
            await this.tokens.replace(token);
            n--;
            continue;
          }
          if (isRateLimited(f) && slowedDown < this.maxRateLimitedRetries) {
            this.stats.rateLimited++;
            await this.pause(retryAfterMs(f) ?? this.backoff(Math.min(slowedDown, 8)));
            slowedDown++;
            n--;
            continue;
          }
          if (f.status >= 500 && idempotent && n < this.maxRetries) {
            this.stats.serverErrors++;
            await this.pause(this.backoff(n));
            continue;
          }
          throw mapDropboxFailure(f, call.what, call.path, this.tokens.secrets());
        }
        if (err instanceof FileBridgeError) throw err;
        const mapped = mapFetchError(err, call.what, call.path);
        const errno = mapped.details.errno;
        const retry = isNetworkFailure(err) && mapped.code === 'CONNECTION' && (idempotent || (typeof errno === 'string' && NOTHING_SENT.has(errno)));
        if (retry && n < this.maxRetries) {
          this.stats.connectionErrors++;
          await this.pause(this.backoff(n));
          continue;
        }
        throw mapped;
      }
    }
  }

  backoff(attempt: number): number {
    return backoffDelay(attempt, this.options.retryBaseMs ?? 500, this.options.retryMaxMs ?? 30_000);
  }

  /** Sleeps, but wakes (and the caller then fails) when the client is closed. */
  async pause(ms: number): Promise<void> {
    await this.sleeps.sleep(ms);
  }

  close(): void {
    this.closed = true;
    this.transport.close();
    this.sleeps.wakeAll();
  }
}

export { sleep };
