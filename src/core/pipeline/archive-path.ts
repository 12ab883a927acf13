import { FileBridgeError } from '../errors';
import { checkBelow, checkRemotePath, joinRemote, remoteDirname } from '../paths';
import { relativeDir, splitName, type SourceFacts } from './source';

/*
 * Archive and quarantine paths from templates such as
 *   .filebridge/archive/{yyyy}/{MM}/{dd}/{relativePath}
 *   /archive/{yyyy}-{MM}/{base}_{HH}{mm}{ss}.{ext}
 * Times are UTC, so two runtimes in different time zones file alike.
 */

export const TEMPLATE_TOKENS = ['yyyy', 'MM', 'dd', 'HH', 'mm', 'ss', 'SSS', 'name', 'base', 'ext', 'relativePath', 'relativeDir', 'correlationId'] as const;
type Token = (typeof TEMPLATE_TOKENS)[number];

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

export function templateValues(source: Pick<SourceFacts, 'name' | 'relativePath'>, at: Date, correlationId = ''): Record<Token, string> {
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

/** Fills `{token}`s; an unknown token is an error naming the known ones (a typo must not archive to "{yyy}"). */
export function fillTemplate(template: string, values: Record<Token, string>): string {
  return template.replace(/\{([A-Za-z]+)\}/g, (whole, token: string) => {
    if (!(TEMPLATE_TOKENS as readonly string[]).includes(token)) {
      throw new FileBridgeError(
        'INVALID_INPUT',
        `Unknown token ${whole} in the path template "${template}": use ${TEMPLATE_TOKENS.map((t) => `{${t}}`).join(' ')}.`,
        { template },
      );
    }
    return values[token as Token];
  });
}

/**
 * The archive path of a source file: the template filled in, below the watched folder when
 * relative. A template ending in `/` gets the original relative path appended.
 *
 * The path stays inside the template's fixed folder (the part before the first token, e.g.
 * `<watched folder>/.filebridge/archive` or `/archive`): names and relative paths come from a server
 * or a message, and whatever they hold (`..`, a leading `/`) cannot move the file out of it. Whether
 * the path is absolute is the template's choice alone.
 */
export function archivePath(template: string, source: Pick<SourceFacts, 'name' | 'relativePath' | 'folder'>, at: Date, correlationId = ''): string {
  const raw = template.trim() || '.filebridge/archive/{yyyy}/{MM}/{dd}/{relativePath}';
  let filled = fillTemplate(raw, templateValues(source, at, correlationId));
  if (filled.endsWith('/')) filled += source.relativePath;
  const absolute = raw.startsWith('/');
  const path = absolute ? filled : joinRemote(source.folder, filled);
  checkRemotePath(path, 'archive path');
  const token = raw.indexOf('{');
  const fixed = token < 0 ? (raw.endsWith('/') ? raw : remoteDirname(raw)) : raw.slice(0, raw.lastIndexOf('/', token) + 1);
  const root = absolute ? fixed || '/' : joinRemote(source.folder, fixed);
  checkBelow(root, path, 'archive path');
  return path.replace(/\/{2,}/g, '/');
}
