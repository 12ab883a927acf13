import { FileBridgeError } from '../errors';
import { checkBelow, checkRemotePath, joinRemote, remoteDirname } from '../paths';
import { fillTokens, isTokenOf, pathTokenValues, tokenList } from '../path-template';
import { type SourceFacts } from './source';

/*
 * Archive and quarantine paths from templates such as
 *   .filebridge/archive/{yyyy}/{MM}/{dd}/{relativePath}
 *   /archive/{yyyy}-{MM}/{base}_{HH}{mm}{ss}.{ext}
 * Times are UTC, so two runtimes in different time zones file alike. The token values and the
 * filling are ../path-template.ts, shared with the File 360 put folder template.
 */

export const TEMPLATE_TOKENS = ['yyyy', 'MM', 'dd', 'HH', 'mm', 'ss', 'SSS', 'name', 'base', 'ext', 'relativePath', 'relativeDir', 'correlationId'] as const;
type Token = (typeof TEMPLATE_TOKENS)[number];

export function templateValues(source: Pick<SourceFacts, 'name' | 'relativePath'>, at: Date, correlationId = ''): Record<Token, string> {
  return pathTokenValues(source, at, correlationId);
}

/** Fills `{token}`s; an unknown token is an error naming the known ones (a typo must not archive to "{yyy}"). */
export function fillTemplate(template: string, values: Record<Token, string>): string {
  return fillTokens(template, (token, whole) => {
    if (!isTokenOf(TEMPLATE_TOKENS, token)) {
      throw new FileBridgeError('INVALID_INPUT', `Unknown token ${whole} in the path template "${template}": use ${tokenList(TEMPLATE_TOKENS)}.`, { template });
    }
    return values[token];
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
