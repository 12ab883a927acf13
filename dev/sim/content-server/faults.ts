/**
 * Fault knobs: what a flaky proxy, a restarting server and short-lived tickets do to a client.
 * Settable at start and at runtime through `POST /__sim/faults`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mergeKnobs, type KnobKind } from '../shared/faults';

export interface Faults {
  /** Delay before every API answer. */
  latencyMs: number;
  /** Share (0..1) of API requests answered with a 503 / 502 / HTML 500 instead of being served. */
  errorRate: number;
  /** The next N API requests fail the same way (deterministic variant of errorRate). */
  failNext: number;
  /** Tickets expire this many seconds after they were issued; 0 = never. */
  ticketTtlSeconds: number;
  /** Share (0..1) of multipart uploads whose connection is dropped halfway. */
  dropUploadRate: number;
  /** Answer authenticated calls with a fresh ticket in the OTCSTicket header. */
  renewTickets: boolean;
  /** Search does not see items changed within this many ms (the index lags behind writes). */
  searchLagMs: number;
}

export const DEFAULT_FAULTS: Faults = {
  latencyMs: 0,
  errorRate: 0,
  failNext: 0,
  ticketTtlSeconds: 0,
  dropUploadRate: 0,
  renewTickets: true,
  searchLagMs: 0,
};

const KNOBS: Readonly<Record<keyof Faults, KnobKind>> = {
  latencyMs: 'count',
  errorRate: 'share',
  failNext: 'count',
  ticketTtlSeconds: 'count',
  dropUploadRate: 'share',
  renewTickets: 'boolean',
  searchLagMs: 'count',
};

/** Validates a partial update (from JSON or options); unknown keys are an error so typos show. */
export function mergeFaults(current: Faults, update: Record<string, unknown>): Faults {
  return mergeKnobs(current, update, KNOBS);
}

/**
 * One scripted answer for the next API request, whatever it is: a status with a body (a string is
 * sent as is, e.g. HTML or empty; an object as JSON), a connection dropped without an answer, or a
 * request left hanging until the client gives up (or the simulator stops).
 */
export type ScriptedAnswer = { status: number; body?: string | Record<string, unknown>; headers?: Record<string, string> } | { drop: true } | { hang: true };

export function parseScript(value: unknown): ScriptedAnswer[] {
  if (!Array.isArray(value)) throw new Error('a JSON array of answers is expected');
  return value.map((v: unknown, i) => {
    if (typeof v !== 'object' || v === null) throw new Error(`answer ${i}: an object is expected`);
    const o = v as Record<string, unknown>;
    if (o.drop === true) return { drop: true };
    if (o.hang === true) return { hang: true };
    if (typeof o.status !== 'number' || o.status < 100 || o.status > 599) throw new Error(`answer ${i}: status 100..599, drop or hang expected`);
    const body = o.body;
    if (body !== undefined && typeof body !== 'string' && (typeof body !== 'object' || body === null))
      throw new Error(`answer ${i}: body must be a string or an object`);
    const headers = o.headers;
    if (headers !== undefined && (typeof headers !== 'object' || headers === null)) throw new Error(`answer ${i}: headers must be an object`);
    return {
      status: o.status,
      ...(body !== undefined ? { body: body as string | Record<string, unknown> } : {}),
      ...(headers !== undefined ? { headers: headers as Record<string, string> } : {}),
    };
  });
}

export function sendScripted(req: IncomingMessage, res: ServerResponse, answer: ScriptedAnswer): void {
  if ('drop' in answer) {
    req.socket.destroy();
    return;
  }
  if ('hang' in answer) {
    // Read the body so the client finishes sending, then never answer.
    req.resume();
    return;
  }
  req.resume();
  const text = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  const type = typeof answer.body === 'object' ? 'application/json; charset=utf-8' : 'text/html';
  res.writeHead(answer.status, { 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(text)), ...(answer.headers ?? {}) });
  res.end(text);
}

let turn = 0;

/** Answers like an overloaded server or a proxy in front of a dead one; cycles through the kinds. */
export function sendInjectedError(res: ServerResponse): void {
  const kind = turn++ % 3;
  if (kind === 0) {
    res.writeHead(503, { 'Content-Type': 'text/html', 'Retry-After': '1' });
    res.end('<html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1></body></html>');
  } else if (kind === 1) {
    res.writeHead(502, { 'Content-Type': 'text/html' });
    res.end('<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>');
  } else {
    res.writeHead(500, { 'Content-Type': 'text/html' });
    res.end('<!DOCTYPE html><html><body><h2>Content Server Error</h2><p>The server is restarting. Please try again later.</p></body></html>');
  }
}
