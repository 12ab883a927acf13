import { FileBridgeError } from '../errors';

/*
 * Dotted paths such as `categories.Invoice.Vendor` or `categories["Invoice 2.0"].Vendor`: category
 * and attribute names are business names and may hold dots or spaces, hence the bracket form.
 */

export function parsePath(path: string, what = 'path'): string[] {
  const segments: string[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new FileBridgeError(
      'INVALID_INPUT',
      `The ${what} "${path}" is not valid: ${why}. Write names separated by dots, e.g. categories.Invoice.Vendor, or categories["Invoice 2.0"].Vendor for names with dots.`,
      { path },
    );
  };
  while (i < path.length) {
    if (path[i] === '[') {
      const quote = path[i + 1];
      if (quote === '"' || quote === "'") {
        const end = path.indexOf(quote, i + 2);
        if (end < 0 || path[end + 1] !== ']') fail('an unclosed ["..."]');
        segments.push(path.slice(i + 2, end));
        i = end + 2;
      } else {
        const end = path.indexOf(']', i);
        if (end < 0) fail('an unclosed [');
        segments.push(path.slice(i + 1, end).trim());
        i = end + 1;
      }
    } else {
      let end = i;
      while (end < path.length && path[end] !== '.' && path[end] !== '[') end++;
      const name = path.slice(i, end).trim();
      if (name === '') fail('an empty name');
      segments.push(name);
      i = end;
    }
    if (path[i] === '.') {
      i++;
      if (i >= path.length) fail('it ends with a dot');
    }
  }
  if (segments.length === 0) fail('it is empty');
  return segments;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !Buffer.isBuffer(value);
}

export function getPath(root: unknown, segments: readonly string[]): unknown {
  let current: unknown = root;
  for (const segment of segments) {
    if (Array.isArray(current) && /^-?\d+$/.test(segment)) {
      const index = Number(segment);
      current = current[index < 0 ? current.length + index : index];
    } else if (isPlainObject(current)) {
      current = current[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

export function setPath(root: Record<string, unknown>, segments: readonly string[], value: unknown): void {
  let current = root;
  for (const segment of segments.slice(0, -1)) {
    const next = current[segment];
    if (isPlainObject(next)) {
      current = next;
    } else {
      const created: Record<string, unknown> = {};
      current[segment] = created;
      current = created;
    }
  }
  current[segments[segments.length - 1]] = value;
}

/** Objects are merged key by key (so categories from two sources combine); anything else in `over` replaces. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const existing = out[key];
    out[key] = isPlainObject(existing) && isPlainObject(value) ? deepMerge(existing, value) : value;
  }
  return out;
}
