/** Argument checks shared by the routes: ids, names, paging numbers, body fields. */
import { badRequest, notFound } from './errors';
import type { Json, JsonObject } from './errors';
import type { File360Store, Resource } from './store';

/** Ids are numeric strings (shared/reference/file360-rest.md); anything else is a 400. */
export function checkId(value: unknown, what: string): string {
  if (typeof value !== 'string') throw badRequest(`${what} must be a string id (ids are numeric strings; never numbers)`);
  if (!/^[0-9]{1,30}$/.test(value)) throw badRequest(`${what} is not an id`);
  return value;
}

export function folderOf(store: File360Store, id: string, what = 'folder'): Resource {
  const r = store.live(checkId(id, `${what} id`));
  if (!r || r.kind !== 'folder') throw notFound(`No ${what} with id ${id}`);
  return r;
}

export function documentOf(store: File360Store, id: string): Resource {
  const r = store.live(checkId(id, 'document id'));
  if (!r || r.kind !== 'document') throw notFound(`No document with id ${id}`);
  return r;
}

/**
 * A resource name. The service's own rules are not public (unverified); the simulator refuses what
 * no file system takes: empty, longer than 255 characters, `/` or `\`, control characters, `.`/`..`.
 */
export function checkName(value: unknown, what = 'name'): string {
  if (typeof value !== 'string' || value.trim() === '') throw badRequest(`${what} must be a non-empty string`);
  if (value.length > 255) throw badRequest(`${what} is longer than 255 characters`);
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[/\\\u0000-\u001f\u007f]/.test(value)) throw badRequest(`${what} must not contain '/', '\\' or control characters`);
  if (value === '.' || value === '..') throw badRequest(`${what} must not be '.' or '..'`);
  return value;
}

/** A non-negative integer query parameter (absent -> fallback). */
export function intParam(url: URL, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  if (!/^[0-9]{1,9}$/.test(raw)) throw badRequest(`${name} must be a non-negative integer`);
  const n = Number(raw);
  if (n > max) throw badRequest(`${name} must be at most ${max}`);
  return n;
}

export function str(body: JsonObject, key: string): string | undefined {
  const v: Json | undefined = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`${key} must be a string`);
  return v;
}
