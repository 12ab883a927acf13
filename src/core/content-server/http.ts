/**
 * The one place that talks HTTP to Content Server: request encoding the way the server accepts it
 * (form fields, nested payloads as one `body` JSON field, repeated query keys), the ticket header,
 * the shared re-authentication on 401, and retries with backoff for failures that may pass.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { backoffDelay, sleep } from '../backoff';
import { FileBridgeError, isFileBridgeError, isNetworkErrno } from '../errors';
import { TicketKeeper, type CsAuth, type LoginTransport } from './auth';
import { classifyAnswer, classifyTransport, tryJson } from './classify';
import type { JsonObject } from './envelopes';
import { multipartBody, type MultipartFile } from './multipart';
import { streamingFetch } from './streaming-fetch';

export type QueryValue = string | number | boolean | undefined | (string | number)[];

export interface CsRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Relative to the API base, starting with `/v1/` or `/v2/`. */
  path: string;
  query?: Record<string, QueryValue>;
  /** Flat form fields. */
  form?: Record<string, string | number | undefined>;
  /** A nested payload, sent as the single form field `body` (JSON text). */
  body?: JsonObject;
  /** Makes the request multipart/form-data with this file (form and body become fields before it). */
  file?: MultipartFile;
  onProgress?: (bytesSent: number) => void;
  /**
   * For writes that must not happen twice: asked before a retry whether the failed attempt took
   * effect after all (its answer was lost); a value is taken as that attempt's answer body.
   */
  recover?: () => Promise<unknown>;
}

export interface RetryPolicy {
  /** Further attempts after the first, for retryable failures. */
  retries: number;
  baseMs: number;
  maxMs: number;
}

export interface CsHttpOptions {
  /** `https://host/otcs/cs.exe/api` (or `/cs/cs/api`); a URL ending at the cgi gets `/api` added. */
  baseUrl: string;
  auth: CsAuth;
  /** Time allowed for an answer, and for an upload the longest silence while sending. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  random?: () => number;
}

export interface Download {
  stream: Readable;
  filename: string | undefined;
  contentType: string | undefined;
  size: number | undefined;
}

const DEFAULT_RETRY: RetryPolicy = { retries: 4, baseMs: 300, maxMs: 10_000 };

export function normaliseBaseUrl(url: string): string {
  const trimmed = url.trim().replace(/\/+$/, '');
  if (!/^https?:\/\//i.test(trimmed)) throw new FileBridgeError('INVALID_INPUT', `Content Server URL must start with http:// or https://: ${url}`);
  return /\/api$/i.test(trimmed) ? trimmed : `${trimmed}/api`;
}

export function encodeQuery(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === false) continue;
    // Content Server reads arrays as the same key repeated, not `key[]` or commas.
    if (Array.isArray(value)) for (const v of value) params.append(key, String(v));
    else params.append(key, value === true ? '' : String(value));
  }
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

/** Form fields in the order the server reads them; `body` carries the nested JSON. */
export function formFields(req: Pick<CsRequest, 'form' | 'body'>): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(req.form ?? {})) if (v !== undefined) out.push([k, String(v)]);
  if (req.body !== undefined) out.push(['body', JSON.stringify(req.body)]);
  return out;
}

function contentDispositionFilename(header: string | null): string | undefined {
  if (!header) return undefined;
  const star = /filename\*\s*=\s*(?:UTF-8)?''([^;]+)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      /* fall through to the plain parameter */
    }
  }
  const plain = /filename\s*=\s*"((?:[^"\\]|\\.)*)"|filename\s*=\s*([^;]+)/i.exec(header);
  return plain ? (plain[1] ?? plain[2]).trim() : undefined;
}

export class CsHttp {
  readonly baseUrl: string;
  readonly keeper: TicketKeeper;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly random: () => number;
  /** Counters for tests and status displays. */
  readonly stats = { requests: 0, retries: 0, reauthentications: 0 };

  constructor(options: CsHttpOptions) {
    this.baseUrl = normaliseBaseUrl(options.baseUrl);
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.retry = { ...DEFAULT_RETRY, ...(options.retry ?? {}) };
    this.random = options.random ?? Math.random;
    this.keeper = new TicketKeeper(options.auth, this.loginTransport());
  }

  /** A call answering JSON; returns the parsed body. */
  async json(req: CsRequest): Promise<unknown> {
    return this.withRetries(req, async (res, where) => {
      const text = await res.text();
      const body = tryJson(text);
      // A 2xx with HTML is a proxy's page, not the server's answer.
      if (body === undefined && text.trim() !== '') throw classifyAnswer(200, text, where);
      return body ?? {};
    });
  }

  /** A call answering content; the stream is the caller's to consume. */
  async download(req: CsRequest): Promise<Download> {
    return this.withRetries(
      req,
      async (res) => {
        const length = res.headers.get('content-length');
        const body = res.body;
        const stream = body ? Readable.fromWeb(body as unknown as NodeReadableStream<Uint8Array>) : Readable.from([]);
        return {
          stream,
          filename: contentDispositionFilename(res.headers.get('content-disposition')),
          contentType: res.headers.get('content-type') ?? undefined,
          size: length !== null && /^\d+$/.test(length) ? Number(length) : undefined,
        };
      },
      true,
    );
  }

  /** A call that needs no ticket (`/v1/ping`), with the same timeout, classification and retries. */
  async anonymous(method: 'GET' | 'POST', path: string): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.rawFetch(`${this.baseUrl}${path}`, { method }, `${method} ${path}`);
        const text = await res.text();
        if (res.status < 200 || res.status > 299) throw classifyAnswer(res.status, text, `${method} ${path}`);
        const body = tryJson(text);
        if (body === undefined) throw classifyAnswer(200, text, `${method} ${path}`);
        return body;
      } catch (err) {
        const e = isFileBridgeError(err) ? err : classifyTransport(err, `${method} ${path}`, false, this.timeoutMs);
        if (!e.retryable || attempt >= this.retry.retries) throw e;
        this.stats.retries += 1;
        await sleep(backoffDelay(attempt, this.retry.baseMs, this.retry.maxMs, this.random));
      }
    }
  }

  /** Ends the session on the server (best effort) and forgets the ticket. */
  async logout(): Promise<void> {
    // Never logged in: nothing to end. Logging in only to log out again cost a closing node up to
    // its retries against an unreachable server (about 20 s), past Node-RED's 15 s close timeout.
    if (!this.keeper.holdsTicket()) return;
    try {
      await this.json({ method: 'DELETE', path: '/v1/auth' });
    } finally {
      this.keeper.forget();
    }
  }

  private async withRetries<T>(req: CsRequest, read: (res: Response, where: string) => Promise<T>, streaming = false): Promise<T> {
    const where = `${req.method} ${req.path}`;
    let reauthentications = 0;
    // A ticket refused straight after the login made for it means the server will not take our
    // tickets; refused after a failed attempt and a pause, it may just have expired again.
    let renewedJustNow = false;
    // Once is not proof: sessions can end (an expiry sweep, a cluster node restarting) right after a
    // login. Twice in a row is.
    let freshRefusals = 0;
    for (let attempt = 0; ; attempt++) {
      try {
        const ticket = await this.keeper.ticket();
        const res = await this.send(
          req,
          where,
          { OTCSTicket: ticket },
          async (r) => {
            this.keeper.adopt(r.headers.get('otcsticket'));
            if (r.status === 401) {
              await r.body?.cancel();
              return { kind: 'reauth' as const };
            }
            if (r.status < 200 || r.status > 299) throw classifyAnswer(r.status, await r.text(), where);
            return { kind: 'ok' as const, value: await read(r, where) };
          },
          streaming,
        );
        if (res.kind === 'ok') return res.value;
        // Give up when tickets from logins made for this request are refused straight away, twice. A
        // refused ticket that was adopted from another answer (it may belong to the session that just
        // expired) is worth another renewal; the bound stops a server that refuses everything.
        if (renewedJustNow && ticket === this.keeper.lastLoginTicket) freshRefusals += 1;
        if (freshRefusals >= 2 || reauthentications >= 5) {
          throw new FileBridgeError('AUTHENTICATION', `Content Server refused the ticket again right after a new login, on ${where}`, { request: where });
        }
        reauthentications += 1;
        this.stats.reauthentications += 1;
        await this.keeper.renew(ticket);
        renewedJustNow = true;
        attempt -= 1; // a re-authentication is not a failed attempt
      } catch (err) {
        const e = isFileBridgeError(err) ? err : classifyTransport(err, where, false, this.timeoutMs);
        if (!e.retryable || attempt >= this.retry.retries) {
          // An answer after a retried write may be about the write itself (a create that reached the
          // server before the connection dropped now collides with itself): callers can tell.
          if (attempt > 0) e.details.attempts = attempt + 1;
          throw e;
        }
        this.stats.retries += 1;
        renewedJustNow = false;
        await sleep(backoffDelay(attempt, this.retry.baseMs, this.retry.maxMs, this.random));
        if (req.recover) {
          const answer = await req.recover();
          // Only JSON calls carry `recover`, so the answer is the body `json()` would have returned.
          if (answer !== undefined) return answer as T;
        }
      }
    }
  }

  /**
   * One HTTP exchange. The timer runs until the answer is read (or, for downloads, until the headers
   * are in); while an upload is sending, every chunk restarts it, so a slow big upload is not cut off
   * but a stalled one is.
   */
  private async send<T>(req: CsRequest, where: string, headers: Record<string, string>, handle: (res: Response) => Promise<T>, streaming: boolean): Promise<T> {
    const controller = new AbortController();
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    let finished = false;
    const disarm = (): void => {
      clearTimeout(timer);
      timer = undefined;
    };
    const arm = (): void => {
      // A server may answer before reading all of an upload; chunks still flowing then need no timer.
      if (finished) return disarm();
      // Restarting the running timer in place: a new timer per chunk made thousands a second.
      if (timer) {
        timer.refresh();
        return;
      }
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new FileBridgeError('TIMEOUT', `Content Server did not answer ${where} within ${this.timeoutMs} ms`, { request: where }));
      }, this.timeoutMs);
    };
    let sourceError: unknown;
    let sent = 0;
    const init: RequestInit = { method: req.method, headers: { ...headers }, signal: controller.signal };
    const fields = formFields(req);
    let upload: Readable | undefined;
    if (req.file) {
      const mp = multipartBody(fields, req.file);
      (init.headers as Record<string, string>)['Content-Type'] = mp.contentType;
      upload = mp.stream({
        onChunk: (n) => {
          sent += n;
          arm();
          req.onProgress?.(sent);
        },
        onSourceError: (err) => {
          sourceError = err;
        },
      });
    } else if (fields.length > 0) {
      (init.headers as Record<string, string>)['Content-Type'] = 'application/x-www-form-urlencoded';
      init.body = new URLSearchParams(fields).toString();
    }
    this.stats.requests += 1;
    arm();
    try {
      const url = `${this.baseUrl}${req.path}${encodeQuery(req.query)}`;
      const res = upload ? await streamingFetch(url, req.method, init.headers as Record<string, string>, upload, controller.signal) : await fetch(url, init);
      if (streaming && res.status >= 200 && res.status < 300) disarm();
      return await handle(res);
    } catch (err) {
      if (sourceError !== undefined) throw sourceFailure(sourceError, where);
      throw classifyTransport(err, where, timedOut, this.timeoutMs);
    } finally {
      finished = true;
      disarm();
    }
  }

  private loginTransport(): LoginTransport {
    const exchange = async (url: string, init: RequestInit, where: string): Promise<{ body: unknown; headers: Headers }> => {
      for (let attempt = 0; ; attempt++) {
        try {
          const res = await this.rawFetch(url, init, where);
          const text = await res.text();
          if (res.status === 401) {
            const body = tryJson(text);
            const msg = body && typeof body === 'object' && 'error' in body ? String((body as { error: unknown }).error) : 'refused';
            throw new FileBridgeError('AUTHENTICATION', `Content Server login failed: ${msg}`, { request: where });
          }
          if (res.status < 200 || res.status > 299) {
            const e = classifyAnswer(res.status, text, where);
            // A 500 "Argument username is required" is bad configuration, not a server problem.
            throw e.code === 'CS_REJECTED' ? new FileBridgeError('AUTHENTICATION', `Content Server login failed: ${e.message}`, e.details) : e;
          }
          return { body: tryJson(text), headers: res.headers };
        } catch (err) {
          const e = isFileBridgeError(err) ? err : classifyTransport(err, where, false, this.timeoutMs);
          if (!e.retryable || attempt >= this.retry.retries) throw e;
          this.stats.retries += 1;
          await sleep(backoffDelay(attempt, this.retry.baseMs, this.retry.maxMs, this.random));
        }
      }
    };
    const form = (f: Record<string, string>): RequestInit => ({
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(f).toString(),
    });
    return {
      postForm: (path, f) => exchange(`${this.baseUrl}${path}`, form(f), `POST ${path}`),
      getWithHeaders: (path, h) => exchange(`${this.baseUrl}${path}`, { method: 'GET', headers: h }, `GET ${path}`),
      fetchOtdsToken: async (url, f, basic) => {
        const init = form(f);
        (init.headers as Record<string, string>).Authorization = `Basic ${basic}`;
        return (await exchange(url, init, 'POST OTDS token')).body;
      },
    };
  }

  private async rawFetch(url: string, init: RequestInit, where: string): Promise<Response> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    try {
      this.stats.requests += 1;
      return await fetch(url, { ...init, signal: controller.signal });
    } catch (err) {
      throw classifyTransport(err, where, timedOut, this.timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  }
}

function sourceFailure(err: unknown, where: string): FileBridgeError {
  if (isFileBridgeError(err)) return err;
  const code = typeof err === 'object' && err !== null && 'code' in err ? (err as { code: unknown }).code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  // A source that lost its own connection may read fine when re-opened; a missing file will not.
  if (isNetworkErrno(code))
    return new FileBridgeError('CONNECTION', `Reading the file to upload failed: ${message}`, { request: where, errno: code }, { cause: err });
  return new FileBridgeError('INVALID_INPUT', `Reading the file to upload failed: ${message}`, { request: where, errno: code }, { cause: err });
}
