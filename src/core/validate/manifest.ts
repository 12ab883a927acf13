import { parse } from 'csv-parse/sync';
import { errorMessage } from '../errors';
import { joinRemote, remoteBasename, remoteDirname } from '../paths';
import type { ValidationError } from './types';
import { extensionOf } from './types';

export type ManifestSource = 'self' | 'remote' | 'message';
export const MANIFEST_SOURCES: readonly ManifestSource[] = ['self', 'remote', 'message'];
export type ManifestFormat = 'auto' | 'json' | 'csv' | 'lines';
export const MANIFEST_FORMATS: readonly ManifestFormat[] = ['auto', 'json', 'csv', 'lines'];

export interface ManifestRule {
  /**
   * self: the validated file is the manifest; remote: a file in the validated file's folder named
   * by `fileName`; message: the manifest content comes with the message.
   */
  source: ManifestSource;
  /** For `remote`: the manifest's name; `{name}` is the file's name, `{stem}` the name without extension. */
  fileName: string;
  format: ManifestFormat;
  /** CSV: header name or 1-based position of the column with the file names; JSON objects: the key. Empty = first column / name, file, filename or path. */
  column: string;
  /** A manifest is read into memory; larger ones fail the rule. */
  maxBytes: number;
  maxErrors: number;
}

const NAME_KEYS = ['name', 'file', 'filename', 'path'];

export function manifestFileName(template: string, fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  const stem = dot > 0 ? fileName.slice(0, dot) : fileName;
  return template.replace(/\{name\}/g, fileName).replace(/\{stem\}/g, stem);
}

/**
 * The file names a manifest lists. JSON: an array of names, an array of objects (name taken from
 * `column`, else name/file/filename/path), or an object with such an array under `files`.
 * CSV: the `column` (header name or 1-based number), else the first column, skipping a first row
 * that reads name/file/filename/path. Lines: one name per line, `#` starts a comment.
 */
export function parseManifest(content: Buffer | string | unknown, manifestName: string, rule: Pick<ManifestRule, 'format' | 'column'>): string[] {
  if (!Buffer.isBuffer(content) && typeof content !== 'string') return namesFromJson(content, rule.column);
  const text = (Buffer.isBuffer(content) ? content.toString('utf8') : content).replace(/^\uFEFF/, '');
  let format = rule.format;
  if (format === 'auto') {
    const ext = extensionOf(manifestName);
    format = ext === 'json' || /^\s*[[{]/.test(text) ? 'json' : ext === 'csv' || ext === 'tsv' ? 'csv' : 'lines';
  }
  if (format === 'json') {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new ManifestUnreadable(`The manifest ${manifestName} is not valid JSON: ${errorMessage(err)}.`);
    }
    return namesFromJson(doc, rule.column);
  }
  if (format === 'lines') {
    return text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
  }
  let rows: string[][];
  try {
    rows = parse(text, {
      delimiter: extensionOf(manifestName) === 'tsv' ? '\t' : [',', ';'],
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as string[][];
  } catch (err) {
    throw new ManifestUnreadable(`The manifest ${manifestName} is not valid CSV: ${errorMessage(err)}.`);
  }
  if (rows.length === 0) return [];
  let index = 0;
  let start = 0;
  if (/^\d+$/.test(rule.column)) {
    index = Number(rule.column) - 1;
  } else if (rule.column) {
    index = rows[0].indexOf(rule.column);
    if (index < 0) throw new ManifestUnreadable(`The manifest ${manifestName} has no column "${rule.column}" (header: ${rows[0].join(', ')}).`);
    start = 1;
  } else if (NAME_KEYS.includes((rows[0][0] ?? '').toLowerCase())) {
    start = 1;
  }
  return rows
    .slice(start)
    .map((r) => r[index] ?? '')
    .filter((n) => n !== '');
}

function namesFromJson(doc: unknown, column: string): string[] {
  const list = Array.isArray(doc)
    ? doc
    : typeof doc === 'object' && doc !== null && Array.isArray((doc as { files?: unknown }).files)
      ? (doc as { files: unknown[] }).files
      : undefined;
  if (!list)
    throw new ManifestUnreadable(
      'The manifest must be a JSON array of file names (or of objects with a "name"), or an object with such an array under "files".',
    );
  return list.map((item, i) => {
    if (typeof item === 'string') return item;
    if (typeof item === 'object' && item !== null) {
      const record = item as Record<string, unknown>;
      const key = column && !/^\d+$/.test(column) ? column : NAME_KEYS.find((k) => typeof record[k] === 'string');
      if (key && typeof record[key] === 'string') return record[key] as string;
    }
    throw new ManifestUnreadable(
      `Entry ${i + 1} of the manifest names no file (expected a text, or an object with ${column ? `"${column}"` : 'name, file, filename or path'}).`,
    );
  });
}

/** The manifest content itself is wrong: a validation failure of the file, not a node error. */
export class ManifestUnreadable extends Error {}

/** Lists a folder's file names; an empty set when the folder does not exist. */
export type FolderNames = (folder: string) => Promise<Set<string>>;

/**
 * Which listed files are in none of `folders` (the source folder and the watch's claim folder: a
 * listed file already claimed by the watch counts as present). Names may carry sub-folders,
 * resolved against each folder; each distinct folder is listed once.
 */
export async function findMissing(listed: string[], folders: string[], names: FolderNames): Promise<string[]> {
  const cache = new Map<string, Promise<Set<string>>>();
  const missing: string[] = [];
  for (const entry of listed) {
    const clean = entry.replace(/\\/g, '/').replace(/^\.\//, '');
    if (clean.startsWith('/') || clean.split('/').includes('..')) {
      throw new ManifestUnreadable(`The manifest lists "${entry}", which is outside the manifest's folder: list names relative to it.`);
    }
    let found = false;
    for (const folder of folders) {
      const path = joinRemote(folder, clean);
      const dir = remoteDirname(path);
      if (!cache.has(dir)) cache.set(dir, names(dir));
      if ((await cache.get(dir)!).has(remoteBasename(path))) {
        found = true;
        break;
      }
    }
    if (!found) missing.push(entry);
  }
  return missing;
}

export function manifestErrors(manifestName: string, listed: string[], missing: string[], maxErrors: number): ValidationError[] {
  if (missing.length === 0) return [];
  return [
    {
      rule: 'manifest',
      reason: `${missing.length} of ${listed.length} file(s) listed in ${manifestName} are missing: ${missing.slice(0, maxErrors).join(', ')}${missing.length > maxErrors ? `, and ${missing.length - maxErrors} more` : ''}.`,
      manifest: manifestName,
      missing: missing.slice(0, maxErrors),
      missingCount: missing.length,
    },
  ];
}
