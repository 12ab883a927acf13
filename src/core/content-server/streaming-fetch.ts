/**
 * Streaming request bodies over node:http(s). undici's fetch with a ReadableStream body (Node 20)
 * does not wait for the socket to drain: a 200 MB upload ended up queued in memory. node:http's
 * pipeline honours backpressure, so uploads go this way and answer with a web `Response` like fetch.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable, pipeline } from 'node:stream';

export function streamingFetch(url: string, method: string, headers: Record<string, string>, body: Readable, signal: AbortSignal): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const u = new URL(url);
    const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
    // No Content-Length: the file's length is unknown, so the body goes with chunked encoding.
    const req = request(u, { method, headers, signal });
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    req.on('error', fail);
    req.on('response', (res: IncomingMessage) => {
      settled = true;
      const h = new Headers();
      for (const [k, v] of Object.entries(res.headers)) {
        if (Array.isArray(v)) for (const one of v) h.append(k, one);
        else if (v !== undefined) h.set(k, v);
      }
      const nullBody = res.statusCode === 204 || res.statusCode === 304;
      if (nullBody) res.resume();
      const webBody = nullBody ? null : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>);
      resolve(new Response(webBody, { status: res.statusCode ?? 500, statusText: res.statusMessage, headers: h }));
    });
    pipeline(body, req, (err) => {
      // A server may answer (say 401 or a collision) before reading the whole body; that is not a failure.
      if (err && !settled) fail(err);
    });
  });
}
