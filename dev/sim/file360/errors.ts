/**
 * The error answers of the simulated File 360 (OpenText Core Share API), in one place.
 * shared/reference/file360-rest.md, "Errors and limits": errors are JSON `{"error":"..","message":".."}`
 * with 400/401/403/404/409/429/5xx, and a 429 carries `Retry-After` (seconds). The bodies are marked
 * "(unverified)" there: the simulator answers them as written. The `error` words other than `conflict`
 * (which the reference gives for the upload collision) are not given by any public source; they are the
 * simulator's own (unverified), so a client must go by the HTTP status, never by these words.
 * No answer ever repeats a token, a secret or a password that came with the request.
 */
import type { ServerResponse } from 'node:http';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export class F360Error extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): JsonObject {
    return { error: this.error, message: this.message };
  }
}

export const badRequest = (message: string): F360Error => new F360Error(400, 'badRequest', message);
export const unauthorized = (message: string): F360Error => new F360Error(401, 'unauthorized', message);
export const forbidden = (message: string): F360Error => new F360Error(403, 'forbidden', message);
export const notFound = (message: string): F360Error => new F360Error(404, 'notFound', message);
/** `{"error":"conflict",...}` as the reference gives it for `collisionStrategy=fail` (unverified status/body). */
export const conflict = (message: string): F360Error => new F360Error(409, 'conflict', message);
export const tooManyRequests = (retryAfter: number): F360Error =>
  new F360Error(429, 'tooManyRequests', `Too many requests; retry after ${retryAfter} s`, { 'Retry-After': String(retryAfter) });

export function sendJson(res: ServerResponse, status: number, body: Json, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, err: F360Error): void {
  sendJson(res, err.status, err.body(), err.headers);
}
