import { parse as parseCsv } from 'csv-parse/sync';
import { FileBridgeError, errorMessage } from '../errors';
import { checkRemotePath } from '../paths';
import { readFileToBuffer, statEntry } from '../remote/operations';
import type { SessionPool } from '../remote/session-pool';
import type { RemoteSession } from '../remote/types';
import { getPath, isPlainObject, parsePath } from './object-path';

/*
 * Lookup tables: a manifest (CSV or JSON, one row per key) or a side-car file (one record for one
 * file, no key). Manifests are small by nature; a limit keeps a wrong path from loading a huge file.
 */

export type TableFormat = 'auto' | 'csv' | 'json';
export type TableFrom = 'remote' | 'msg' | 'inline';

export interface TableSpec {
  name: string;
  from: TableFrom;
  /** remote: a path template (`{source.folder}/manifest.csv`); msg: a message property; inline: the content. */
  value: string;
  format?: TableFormat;
  /** The column (CSV) or property (JSON) holding the key; empty = the file is one record (side-car). */
  key?: string;
}

export type Row = Record<string, unknown>;

export interface Table {
  rows: Row[];
  /** Present when the table has a key column. */
  byKey?: Map<string, Row>;
}

export const MAX_TABLE_BYTES = 16 * 1024 * 1024;

function looksJson(text: string, hint?: string): boolean {
  if (hint && /\.json$/i.test(hint)) return true;
  if (hint && /\.(csv|txt|tsv)$/i.test(hint)) return false;
  return /^\s*[[{]/.test(text);
}

/** Parses table content; throws INVALID_INPUT with the table's name and the parser's reason. */
export function parseTable(content: unknown, spec: Pick<TableSpec, 'name' | 'format' | 'key'>, hint?: string): Table {
  const key = spec.key?.trim() ?? '';
  let data: unknown = content;
  if (Buffer.isBuffer(data)) data = data.toString('utf8');
  if (typeof data === 'string') {
    const text = data.replace(/^\uFEFF/, '');
    const json = spec.format === 'json' || (spec.format !== 'csv' && looksJson(text, hint));
    try {
      if (json) {
        data = JSON.parse(text) as unknown;
      } else {
        const rows = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, delimiter: [',', ';', '\t'], relax_column_count: true }) as Row[];
        return indexRows(rows, key, spec.name);
      }
    } catch (err) {
      if (err instanceof FileBridgeError) throw err;
      throw new FileBridgeError('INVALID_INPUT', `The lookup table "${spec.name}" could not be read as ${json ? 'JSON' : 'CSV'}: ${errorMessage(err)}`, {
        table: spec.name,
      });
    }
  }
  if (Array.isArray(data)) {
    if (!data.every(isPlainObject))
      throw new FileBridgeError(
        'INVALID_INPUT',
        `The lookup table "${spec.name}" is a list but not of objects: expected [{"${key || 'key'}": "...", ...}, ...].`,
        { table: spec.name },
      );
    return indexRows(data, key, spec.name);
  }
  if (isPlainObject(data)) {
    if (!key) return { rows: [data] };
    // {"ACME": {...}, "GLOBEX": {...}}: the property names are the keys.
    const byKey = new Map<string, Row>();
    for (const [k, v] of Object.entries(data)) byKey.set(k, isPlainObject(v) ? v : { value: v });
    return { rows: [...byKey.values()], byKey };
  }
  throw new FileBridgeError(
    'INVALID_INPUT',
    `The lookup table "${spec.name}" must be CSV or JSON text, a list of objects or an object; got ${data === null ? 'null' : typeof data}.`,
    { table: spec.name },
  );
}

function indexRows(rows: Row[], key: string, name: string): Table {
  if (!key) return { rows };
  const path = parsePath(key, 'key column');
  const byKey = new Map<string, Row>();
  for (const row of rows) {
    const k = getPath(row, path);
    if (k === undefined || k === null) continue;
    // The first row wins, so a manifest appended to by mistake keeps its original meaning.
    if (!byKey.has(String(k).trim())) byKey.set(String(k).trim(), row);
  }
  if (rows.length > 0 && byKey.size === 0) {
    throw new FileBridgeError('INVALID_INPUT', `The lookup table "${name}" has no column "${key}": its columns are ${Object.keys(rows[0]).join(', ')}.`, {
      table: name,
    });
  }
  return { rows, byKey };
}

/** The row for `key` (or the single record of a side-car), or a reason why there is none. */
export function findRow(table: Table, key: unknown, tableName: string): { row: Row } | { missing: string } {
  if (!table.byKey) {
    return table.rows[0] ? { row: table.rows[0] } : { missing: `the lookup table "${tableName}" is empty` };
  }
  const row = table.byKey.get(String(key).trim());
  return row ? { row } : { missing: `no row with key "${String(key)}" in the lookup table "${tableName}"` };
}

/** The remote files a table can come from (a side-car beside the file, a manifest in a folder). */
export interface RemoteFiles {
  stat(path: string): Promise<{ size: number; mtime: Date } | undefined>;
  read(path: string, maxBytes: number): Promise<Buffer>;
}

export function remoteFilesFromPool(pool: SessionPool<RemoteSession>): RemoteFiles {
  return {
    stat: async (path) => {
      const entry = await statEntry(pool, path);
      return entry && entry.type !== 'directory' ? { size: entry.size, mtime: entry.mtime } : undefined;
    },
    read: async (path, maxBytes) => (await readFileToBuffer(pool, path, maxBytes)).data,
  };
}

/**
 * Remote tables by path, re-read only when the file's size or mtime changed: a manifest used for a
 * whole drop of files costs one stat per file, not one download.
 */
export class TableCache {
  private readonly entries = new Map<string, { size: number; mtime: number; format: string; key: string; table: Table }>();

  constructor(private readonly maxEntries = 32) {}

  async load(files: RemoteFiles, path: string, spec: TableSpec): Promise<Table | undefined> {
    checkRemotePath(path, `path of the lookup table "${spec.name}"`);
    const facts = await files.stat(path);
    if (!facts) {
      this.entries.delete(path);
      return undefined;
    }
    const format = spec.format ?? 'auto';
    const key = spec.key ?? '';
    const cached = this.entries.get(path);
    if (cached && cached.size === facts.size && cached.mtime === facts.mtime.getTime() && cached.format === format && cached.key === key) {
      // Refresh the position so often-used tables stay while one-off side-cars age out.
      this.entries.delete(path);
      this.entries.set(path, cached);
      return cached.table;
    }
    if (facts.size > MAX_TABLE_BYTES) {
      throw new FileBridgeError('INVALID_INPUT', `The lookup table ${path} has ${facts.size} bytes, more than the ${MAX_TABLE_BYTES}-byte limit for tables.`, {
        path,
        size: facts.size,
      });
    }
    const table = parseTable(await files.read(path, MAX_TABLE_BYTES), spec, path);
    this.entries.set(path, { size: facts.size, mtime: facts.mtime.getTime(), format, key, table });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return table;
  }

  clear(): void {
    this.entries.clear();
  }
}
