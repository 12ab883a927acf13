/** Path arguments as Dropbox takes them: `/a/b` (case-insensitive), `id:...` (optionally `id:.../rest`), `ns:<id>/rest`, or '' for the root. */
import type { SimCore } from './core';
import { badInput, lookupError } from './errors';
import type { Namespace, Target } from './store';

// files.stone: the pattern of a path argument (ReadPath / WritePath), quoted in Dropbox's 400 texts.
const PATTERN = '(/(.|[\\r\\n])*|id:.*)|(rev:[0-9a-f]{9,})|(ns:[0-9]+(/.*)?)';

export function resolvePath(core: SimCore, ns: Namespace, value: unknown, route: string, field: string, outer: string, allowRoot: boolean): Target {
  if (typeof value !== 'string') throw badInput(route, `request body: ${field}: expected string, got ${value === undefined ? 'nothing' : typeof value}`);
  if (value === '') {
    if (!allowRoot) throw badInput(route, `request body: ${field}: The root folder is unsupported.`);
    return { ns, lower: '', display: '' };
  }
  let base: Target;
  let rest: string;
  if (value.startsWith('id:')) {
    const slash = value.indexOf('/');
    const id = slash < 0 ? value : value.slice(0, slash);
    rest = slash < 0 ? '' : value.slice(slash);
    const at = core.store.ids.get(id);
    if (!at) throw lookupError('not_found', outer);
    const entry = at.ns.entries.get(at.lower);
    if (!entry) throw lookupError('not_found', outer);
    base = { ns: at.ns, lower: entry.lower, display: entry.display };
  } else if (value.startsWith('ns:')) {
    const m = /^ns:(\d+)(\/.*)?$/.exec(value);
    if (!m) throw badInput(route, `request body: ${field}: '${value}' did not match pattern '${PATTERN}'`);
    const target = [core.home, core.teamRoot].find((n) => n?.id === m[1]);
    if (!target) throw lookupError('not_found', outer);
    base = { ns: target, lower: '', display: '' };
    rest = m[2] ?? '';
  } else if (value.startsWith('/')) {
    base = { ns, lower: '', display: '' };
    rest = value;
  } else {
    throw badInput(route, `request body: ${field}: '${value}' did not match pattern '${PATTERN}'`);
  }
  if (rest === '') {
    if (base.lower === '' && !allowRoot) throw badInput(route, `request body: ${field}: The root folder is unsupported.`);
    return base;
  }
  const display = `${base.display}${rest}`;
  core.store.checkPath(display, outer, false);
  return { ns: base.ns, lower: display.toLowerCase(), display };
}
