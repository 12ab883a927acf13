import { relativeDir, splitName } from './pipeline/source';

/*
 * `{token}` path templates: the values the tokens stand for and the filling, shared by the archive
 * and quarantine paths (pipeline/archive-path.ts) and the File 360 put folder (file360/folder-template.ts).
 * Each template keeps its own token set, checks and error messages; this is only what they share.
 * Times are UTC, so two runtimes in different time zones file alike.
 */

/** Every token a template may offer; a template names the ones it documents. */
export type PathToken = 'yyyy' | 'MM' | 'dd' | 'HH' | 'mm' | 'ss' | 'SSS' | 'name' | 'base' | 'ext' | 'relativePath' | 'relativeDir' | 'correlationId';

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** What each token stands for, for a file (its name and path below the watched folder) at a time. */
export function pathTokenValues(source: { name: string; relativePath: string }, at: Date, correlationId = ''): Record<PathToken, string> {
  const { base, ext } = splitName(source.name);
  return {
    yyyy: String(at.getUTCFullYear()),
    MM: pad(at.getUTCMonth() + 1),
    dd: pad(at.getUTCDate()),
    HH: pad(at.getUTCHours()),
    mm: pad(at.getUTCMinutes()),
    ss: pad(at.getUTCSeconds()),
    SSS: pad(at.getUTCMilliseconds(), 3),
    name: source.name,
    base,
    ext,
    relativePath: source.relativePath,
    relativeDir: relativeDir(source.relativePath),
    correlationId,
  };
}

/** Whether `inner` (the text between the braces) is one of `tokens`. */
export function isTokenOf<T extends string>(tokens: readonly T[], inner: string): inner is T {
  return (tokens as readonly string[]).includes(inner);
}

/** `{a} {b} ...`, for error messages naming the tokens a template knows. */
export function tokenList(tokens: readonly string[]): string {
  return tokens.map((t) => `{${t}}`).join(' ');
}

/**
 * Fills each `{...}` of `template` (as `pattern` matches them, the text inside braces its first group)
 * with what `valueOf` returns for it; `valueOf` throws for a token it does not know.
 */
export function fillTokens(template: string, valueOf: (inner: string, whole: string) => string, pattern = /\{([A-Za-z]+)\}/g): string {
  return template.replace(pattern, (whole, inner: string) => valueOf(inner, whole));
}
