/** Small HTTP helpers for driving the Content Server simulator exactly as a client would. */
import assert from 'node:assert/strict';
import { startContentServerSim, type ContentServerSim, type ContentServerSimOptions } from '../../dev/sim/content-server';

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

/** `results.data.versions` of a v2 answer about one version (a version read, or a version added). */
export function versionOf(a: Answer): Record<string, unknown> {
  const results = a.json?.results as { data?: { versions?: Record<string, unknown> } } | undefined;
  const v = results?.data?.versions;
  if (!v) throw new Error(`not a v2 version envelope: ${a.status} ${a.text}`);
  return v;
}

/** The versions of a v2 version list (`results[i].data.versions`). */
export function versionItems(a: Answer): Record<string, unknown>[] {
  const results = a.json?.results as { data: { versions: Record<string, unknown> } }[] | undefined;
  if (!Array.isArray(results)) throw new Error(`not a v2 collection: ${a.status} ${a.text}`);
  return results.map((r) => r.data.versions);
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

/** `form` fields carrying `o` as the JSON `body` field, the way the v2 API takes nested settings. */
export const body = (o: Record<string, unknown>): Record<string, string> => ({ body: JSON.stringify(o) });

/** A simulator for one test block, and an Admin ticket for it. */
export async function startLoggedIn(options?: ContentServerSimOptions): Promise<{ sim: ContentServerSim; ticket: string }> {
  const sim = await startContentServerSim(options);
  return { sim, ticket: await login(sim) };
}

/** Turns every fault knob off again, so a test that set one does not slow or break the next. */
export function clearFaults(sim: ContentServerSim): void {
  sim.setFaults({ latencyMs: 0, errorRate: 0, failNext: 0, ticketTtlSeconds: 0, dropUploadRate: 0, renewTickets: true });
}

let seq = 0;

/** A fresh folder under the Enterprise Workspace so tests do not see each other's items. */
export async function freshFolderIn(sim: ContentServerSim, ticket: string): Promise<number> {
  const a = await call(sim, 'POST', '/v2/nodes', { ticket, form: { type: '0', parent_id: '2000', name: `t${++seq}-${Date.now()}` } });
  assert.equal(a.status, 200, a.text);
  return Number(props(a).id);
}

/** A one-byte document with a new name below `parent` (default: 2200). */
export async function createDoc(sim: ContentServerSim, ticket: string, parent = 2200): Promise<number> {
  const a = await call(sim, 'POST', '/v2/nodes', {
    ticket,
    multipart: fileForm({ type: '144', parent_id: String(parent), name: `d${++seq}.txt` }, 'x', 'd.txt'),
  });
  assert.equal(a.status, 200, a.text);
  return Number(props(a).id);
}

/** A folder with a new name below `parent` (default: 2200). */
export async function createFolder(sim: ContentServerSim, ticket: string, parent = 2200): Promise<number> {
  const a = await call(sim, 'POST', '/v2/nodes', { ticket, form: { type: '0', parent_id: String(parent), name: `f${++seq}` } });
  return Number(props(a).id);
}
