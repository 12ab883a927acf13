/** Small HTTP helpers for driving the Content Server simulator exactly as a client would. */
import type { ContentServerSim } from '../../dev/sim/content-server';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: Record<string, unknown> | undefined;
}

export interface CallOptions {
  ticket?: string;
  form?: Record<string, string | string[]>;
  multipart?: FormData;
  json?: unknown;
  headers?: Record<string, string>;
}

export async function call(sim: ContentServerSim, method: string, path: string, opts: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.ticket) headers.OTCSTicket = opts.ticket;
  let body: string | FormData | undefined;
  if (opts.form) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.form)) for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
    body = params.toString();
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  } else if (opts.multipart) {
    body = opts.multipart;
  } else if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(`${sim.apiBase}${path}`, { method, headers, body });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    json = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export async function login(sim: ContentServerSim, username = 'Admin', password = 'livelink'): Promise<string> {
  const a = await call(sim, 'POST', '/v1/auth', { form: { username, password } });
  if (a.status !== 200 || typeof a.json?.ticket !== 'string') throw new Error(`login failed: ${a.status} ${a.text}`);
  return a.json.ticket;
}

/** `results.data.properties` of a v2 one-item answer. */
export function props(a: Answer): Record<string, unknown> {
  const results = a.json?.results as { data?: { properties?: Record<string, unknown> } } | undefined;
  const p = results?.data?.properties;
  if (!p) throw new Error(`not a v2 item envelope: ${a.status} ${a.text}`);
  return p;
}

/** Property lists of a v2 collection answer. */
export function items(a: Answer): Record<string, unknown>[] {
  const results = a.json?.results as { data: { properties: Record<string, unknown> } }[] | undefined;
  if (!Array.isArray(results)) throw new Error(`not a v2 collection: ${a.status} ${a.text}`);
  return results.map((r) => r.data.properties);
}

export async function simGet(sim: ContentServerSim, path: string): Promise<unknown> {
  const res = await fetch(`${sim.url}${path}`);
  return res.json() as Promise<unknown>;
}

export function fileForm(fields: Record<string, string>, content: string | Uint8Array, filename: string, type = 'application/octet-stream'): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  fd.append('file', new Blob([typeof content === 'string' ? content : new Uint8Array(content)], { type }), filename);
  return fd;
}
