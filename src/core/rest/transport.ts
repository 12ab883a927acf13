/**
 * One HTTP exchange over axios (its Node http adapter), with our agents (proxy-agent.ts) and our own
 * timers. axios is used with:
 * - `proxy: false`: axios would otherwise pick a proxy from the environment itself (proxy-from-env)
 *   and send plain-http requests in forward-proxy mode; proxies are the agents' business here.
 * - `maxRedirects: 0`: a redirect is returned as an answer, never followed, so credentials are never
 *   sent to a host they were not saved for.
 * - `responseType: 'stream'` always, and `maxContentLength: -1`: the body comes as a Node stream with
 *   back-pressure (axios README, "responseType ... 'stream'" in Node) and this module counts and limits
 *   what it reads itself. (axios enforces maxContentLength on streams only since 1.15.1, CVE-2026-42036,
 *   and then fails the whole download; JSON limits are applied per call here instead.)
 * - `maxBodyLength: -1`: a request body may be any size (streamed uploads); axios otherwise limits a
 *   request body only when maxBodyLength is set ("Request body larger than maxBodyLength limit").
 *   A Readable `data` is piped into the request (lib/adapters/http.js `uploadStream.pipe(req)`), so
 *   uploads have back-pressure too.
 * - `decompress: true` (default): gzip/deflate/br answers are inflated; limits count inflated bytes.
 * - no axios `timeout`: the answer timer is ours (armed at the start, re-armed for each request-body
 *   chunk sent, so a long upload is not cut; then the answer's headers must come within it); a JSON
 *   body must be read whole within the same time; a streamed body must not stall longer than it.
 */
import axios, { type AxiosInstance, type AxiosResponse, type RawAxiosResponseHeaders, type AxiosResponseHeaders } from 'axios';
import { PassThrough, Readable, Transform } from 'node:stream';
import { FileBridgeError } from '../errors';
import type { RestMethod } from './errors';
import { RestHttpAgent, RestHttpsAgent, type SocketSettings } from './proxy-agent';

export interface Exchange {
  method: RestMethod;
  url: string;
  headers: Record<string, string>;
  /** A Buffer/string is sent as is; a Readable is piped (counted, to know whether any or all of it was sent). */
  body?: Buffer | string | Readable;
  timeoutMs: number;
  /** For messages. */
  shownUrl: string;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  /** The body, to be read (readAll) or handed on; it fails with TIMEOUT when it stalls longer than the timeout. */
  body: Readable;
  /** Whether the request body had been sent whole when the answer came. */
  bodyComplete: boolean;
}

/** Failure of one exchange before an answer, and how much of the request body had gone out. */
export class ExchangeFailure extends Error {
  constructor(
    readonly error: unknown,
    readonly bodyStarted: boolean,
    readonly bodyComplete: boolean,
  ) {
    super('exchange failed', { cause: error });
  }
}

function plainHeaders(h: RawAxiosResponseHeaders | AxiosResponseHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h as Record<string, unknown>)) {
    if (v === undefined || v === null) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.map(String).join(', ') : String(v);
  }
  return out;
}

export class Transport {
  private readonly axios: AxiosInstance;
  private readonly httpAgent: RestHttpAgent;
  private readonly httpsAgent: RestHttpsAgent;

  constructor(settings: SocketSettings) {
    this.httpAgent = new RestHttpAgent(settings);
    this.httpsAgent = new RestHttpsAgent(settings);
    this.axios = axios.create({
      adapter: 'http',
      proxy: false,
      maxRedirects: 0,
      responseType: 'stream',
      maxContentLength: -1,
      maxBodyLength: -1,
      decompress: true,
      validateStatus: () => true,
      transformRequest: [(data: unknown) => data],
      transformResponse: [(data: unknown) => data],
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
    });
  }

  async exchange(x: Exchange): Promise<RawAnswer> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeoutError = (): FileBridgeError =>
      new FileBridgeError('TIMEOUT', `The API did not answer ${x.method} ${x.shownUrl} within ${x.timeoutMs} ms (timeout).`, {
        method: x.method,
        url: x.shownUrl,
      });
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(timeoutError()), x.timeoutMs);
    };
    let bodyStarted = false;
    let bodyComplete = x.body === undefined || !(x.body instanceof Readable);
    let data: Buffer | string | Readable | undefined = x.body;
    if (x.body instanceof Readable) {
      const source = x.body;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          bodyStarted = true;
          arm();
          cb(null, chunk);
        },
        flush(cb) {
          bodyComplete = true;
          cb();
        },
      });
      source.on('error', (err) => counter.destroy(err));
      source.pipe(counter);
      data = counter;
    } else if (x.body !== undefined) {
      bodyStarted = true;
    }
    arm();
    let res: AxiosResponse<Readable>;
    try {
      res = await this.axios.request<Readable>({ method: x.method, url: x.url, headers: x.headers, data, signal: controller.signal });
    } catch (err) {
      clearTimeout(timer);
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : err;
      if (x.body instanceof Readable && !x.body.destroyed) x.body.destroy();
      throw new ExchangeFailure(reason, bodyStarted, bodyComplete);
    }
    clearTimeout(timer);
    const complete = bodyComplete;
    const raw = res.data;
    // The body: a PassThrough fed from axios's stream, failing with TIMEOUT when nothing comes for the timeout.
    const out = new PassThrough();
    let idle: NodeJS.Timeout | undefined;
    const rearm = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => out.destroy(timeoutError()), x.timeoutMs);
    };
    let received = 0;
    const broken = (err: unknown): FileBridgeError => {
      if (err instanceof FileBridgeError) return err;
      const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
      return new FileBridgeError(
        'CONNECTION',
        `The API's answer to ${x.method} ${x.shownUrl} broke off after ${received} bytes${code ? ` (${code})` : ''}; nothing of it should be used, try again.`,
        { method: x.method, url: x.shownUrl, status: res.status, received },
      );
    };
    rearm();
    raw.on('data', (chunk: Buffer) => {
      received += chunk.length;
      rearm();
    });
    raw.on('error', (err) => out.destroy(broken(err)));
    raw.on('aborted', () => out.destroy(broken(undefined)));
    raw.pipe(out);
    out.on('close', () => {
      clearTimeout(idle);
      if (!raw.destroyed) raw.destroy();
    });
    out.on('end', () => clearTimeout(idle));
    // A server answering before it read the whole body: stop sending.
    if (!complete && x.body instanceof Readable) x.body.unpipe();
    return { status: res.status, headers: plainHeaders(res.headers), body: out, bodyComplete: complete };
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** Reads a body whole; past `limit` bytes it is destroyed and `tooLarge()` thrown, or (without `tooLarge`) the first `limit` bytes returned. */
export async function readAll(body: Readable, limit: number, tooLarge?: () => Error): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limit) {
      if (tooLarge) {
        body.destroy();
        throw tooLarge();
      }
      parts.push(b.subarray(0, b.length - (size - limit)));
      body.destroy();
      break;
    }
    parts.push(b);
  }
  return Buffer.concat(parts);
}
