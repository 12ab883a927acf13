/**
 * The REST simulator's error answers: RFC 9457 "Problem Details for HTTP APIs" (which obsoletes RFC
 * 7807), media type `application/problem+json`, members `type`, `title`, `status`, `detail` (RFC 9457
 * §3.1) and the extension member `errors` (RFC 9457 §3.2 allows extensions; its own example is an
 * `errors` array of `{ detail, pointer }`) carrying, for a 422, one `{ index, field, message }` per
 * bad field of each bad record. `type` is a relative URI reference naming the problem kind (§3.1.1);
 * `about:blank` is used where the status says everything. No answer repeats a secret.
 */
import type { ServerResponse } from 'node:http';

export interface FieldError {
  /** 0-based position of the record in the batch. */
  index: number;
  field: string;
  message: string;
}

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly type = 'about:blank',
    readonly headers: Record<string, string> = {},
    readonly errors?: FieldError[],
  ) {
    super(detail);
  }

  body(): Record<string, unknown> {
    return { type: this.type, title: this.title, status: this.status, detail: this.detail, ...(this.errors ? { errors: this.errors } : {}) };
  }
}

export const badRequest = (detail: string): Problem => new Problem(400, 'Bad Request', detail);
export const notFound = (detail: string): Problem => new Problem(404, 'Not Found', detail);
export const tooLarge = (detail: string): Problem => new Problem(413, 'Content Too Large', detail);
export const unsupportedType = (detail: string): Problem => new Problem(415, 'Unsupported Media Type', detail);
export const invalidRecords = (errors: FieldError[], count: number): Problem =>
  new Problem(
    422,
    'Unprocessable Content',
    `${new Set(errors.map((e) => e.index)).size} of ${count} record(s) are invalid; nothing of this batch was stored`,
    '/problems/invalid-records',
    {},
    errors,
  );

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, type = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': `${type}; charset=utf-8`, 'Content-Length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export function sendProblem(res: ServerResponse, p: Problem): void {
  sendJson(res, p.status, p.body(), p.headers, 'application/problem+json');
}
