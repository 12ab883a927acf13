import { FileBridgeError } from '../errors';
import { formatDate, isoText, toDateParts } from './dates';
import { getPath, parsePath } from './object-path';

/** What a rule can read for one message. */
export interface Scope {
  msg: Record<string, unknown>;
  /** `msg.filebridge.fields` plus the groups of the node's name pattern. */
  fields: Record<string, unknown>;
  source: Record<string, unknown>;
  /** The target as built so far: later rules can reuse earlier results (`{target.folder}`). */
  target: Record<string, unknown>;
  /** The file's base name. */
  name: string;
  /** Folders of the file's path relative to the watched folder (empty for a file at the top). */
  folders: string[];
  /** Folders of the file's full original path, the watched folder's own included. */
  fullFolders: string[];
  now: Date;
  timeZone: string;
}

export type Resolved = { value: unknown } | { missing: string };

/** A reference such as `fields.vendor`, `source.size`, `mtime`, `path` with an optional `:argument`. */
export interface Reference {
  head: 'name' | 'base' | 'ext' | 'now' | 'mtime' | 'path' | 'fullpath' | 'fields' | 'source' | 'msg' | 'target';
  /** The path below fields/source/msg/target. */
  path: string[];
  /** Date format, or the segment spec for `path`. */
  arg?: string;
  text: string;
}

const HEADS = new Set(['name', 'base', 'ext', 'now', 'date', 'mtime', 'path', 'fullpath', 'fields', 'source', 'msg', 'target']);
const ROOTS = new Set(['fields', 'source', 'msg', 'target']);

export const REFERENCE_HELP = 'name, base, ext, now, mtime, path, fullpath, fields.<name>, source.<name>, msg.<property> or target.<field>';

export function parseReference(text: string): Reference {
  const trimmed = text.trim();
  const colon = trimmed.indexOf(':');
  const main = colon < 0 ? trimmed : trimmed.slice(0, colon);
  const arg = colon < 0 ? undefined : trimmed.slice(colon + 1);
  const segments = parsePath(main, 'reference');
  const head = segments[0] === 'date' ? 'now' : segments[0];
  if (!HEADS.has(segments[0]) || (ROOTS.has(head) ? segments.length < 2 : segments.length > 1)) {
    throw new FileBridgeError('INVALID_INPUT', `Unknown reference "{${trimmed}}": use ${REFERENCE_HELP}.`, { reference: trimmed });
  }
  if ((head === 'path' || head === 'fullpath') && arg !== undefined) parseSegmentSpec(arg);
  return { head: head as Reference['head'], path: segments.slice(1), arg, text: trimmed };
}

/** `0` first folder, `-1` the file's own folder, `*` all of them, `1:` / `0:-1` a slice joined with `/`. */
export function parseSegmentSpec(spec: string): { start: number; end?: number; single: boolean } {
  const text = spec.trim();
  if (text === '*' || text === '') return { start: 0, single: false };
  let m = /^(-?\d+)$/.exec(text);
  if (m) return { start: Number(m[1]), single: true };
  m = /^(-?\d+)?:(-?\d+)?$/.exec(text);
  if (m) return { start: m[1] === undefined ? 0 : Number(m[1]), end: m[2] === undefined ? undefined : Number(m[2]), single: false };
  throw new FileBridgeError(
    'INVALID_INPUT',
    `"${spec}" is not a folder segment: use 0 (first folder), -1 (the file's folder), * (all) or a slice such as 1: or 0:-1.`,
    { spec },
  );
}

export function pathSegments(folders: readonly string[], spec: string): Resolved {
  const s = parseSegmentSpec(spec);
  if (s.single) {
    const value = folders[s.start < 0 ? folders.length + s.start : s.start];
    return value === undefined
      ? { missing: `the file's path has no folder ${s.start} (folders: ${folders.length === 0 ? 'none' : folders.join('/')})` }
      : { value };
  }
  const slice = folders.slice(s.start, s.end);
  return slice.length === 0
    ? { missing: `the file's path has no folders in ${spec || '*'} (folders: ${folders.length === 0 ? 'none' : folders.join('/')})` }
    : { value: slice.join('/') };
}

function dateOf(value: unknown, ref: Reference, scope: Scope): Resolved {
  if (ref.arg === undefined) return { value };
  const parts = toDateParts(value, scope.timeZone);
  if (!parts) return { missing: `{${ref.text}}: "${String(value)}" is not a date` };
  return { value: formatDate(parts, ref.arg) };
}

export function resolveReference(ref: Reference, scope: Scope): Resolved {
  const dot = scope.name.lastIndexOf('.');
  switch (ref.head) {
    case 'name':
      return { value: scope.name };
    case 'base':
      return { value: dot > 0 ? scope.name.slice(0, dot) : scope.name };
    case 'ext':
      return { value: dot > 0 ? scope.name.slice(dot + 1) : '' };
    case 'now':
      return dateOf(scope.now, ref, scope);
    case 'mtime': {
      const mtime = scope.source.mtime;
      if (mtime === undefined) return { missing: 'the message has no msg.filebridge.source.mtime' };
      return dateOf(typeof mtime === 'string' ? new Date(mtime) : mtime, ref, scope);
    }
    case 'path':
      return pathSegments(scope.folders, ref.arg ?? '*');
    case 'fullpath':
      return pathSegments(scope.fullFolders, ref.arg ?? '*');
    default: {
      const root = ref.head === 'fields' ? scope.fields : ref.head === 'source' ? scope.source : ref.head === 'msg' ? scope.msg : scope.target;
      const value = getPath(root, ref.path);
      if (value === undefined || value === null || value === '') {
        const where =
          ref.head === 'fields'
            ? `no field "${ref.path.join('.')}" (fields: ${Object.keys(scope.fields).join(', ') || 'none'})`
            : `${ref.head === 'source' ? 'msg.filebridge.source' : ref.head}.${ref.path.join('.')} is not set`;
        return { missing: where };
      }
      return dateOf(value, ref, scope);
    }
  }
}

export type Template = (string | Reference)[];

/** `Partners/{fields.partner}/{now:yyyy}`; `{{` and `}}` stand for literal braces. */
export function parseTemplate(text: string): Template {
  const parts: Template = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if ((c === '{' || c === '}') && text[i + 1] === c) {
      literal += c;
      i += 2;
    } else if (c === '{') {
      const end = text.indexOf('}', i);
      if (end < 0)
        throw new FileBridgeError('INVALID_INPUT', `The template "${text}" has a "{" without "}". Write {{ for a literal brace.`, { template: text });
      if (literal) parts.push(literal);
      literal = '';
      parts.push(parseReference(text.slice(i + 1, end)));
      i = end + 1;
    } else {
      literal += c;
      i++;
    }
  }
  if (literal) parts.push(literal);
  return parts;
}

export function renderTemplate(template: Template, scope: Scope): Resolved {
  // A template that is a single reference keeps the value's type (a number stays a number).
  if (template.length === 1 && typeof template[0] !== 'string') return resolveReference(template[0], scope);
  let out = '';
  for (const part of template) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    const r = resolveReference(part, scope);
    if ('missing' in r) return r;
    out +=
      r.value instanceof Date
        ? isoText(toDateParts(r.value, scope.timeZone)!)
        : typeof r.value === 'object' && r.value !== null
          ? JSON.stringify(r.value)
          : String(r.value);
  }
  return { value: out };
}
