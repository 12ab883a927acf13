/**
 * The high-water mark of a Content Server export: what the last runs already delivered, so the next
 * run sends only what changed. Kept by the caller (a Node-RED context store) as plain JSON.
 */
import { createHash } from 'node:crypto';
import { FileBridgeError, errorMessage } from '../errors';
import type { KeyValueStore } from '../key-value-store';
import type { AttributeFilter } from './client';

/** One query's mark, as JSON (dates as ISO strings so any context store can keep it). */
export interface ExportMark {
  /** Newest modify date delivered (inclusive: see `seenAtMark`). */
  since?: string;
  /** Ids delivered whose modify date equals `since` (dates have whole seconds). */
  seenAtMark: number[];
  /**
   * Version delivered of each id in `seenAtMark`: a new version added within the same second as the
   * mark leaves the modify date unchanged, and only the version number tells it apart.
   */
  seenVersions?: Record<string, number>;
  /** What the mark is about, for people reading the context store. */
  query: string;
  updatedAt: string;
}

/** Marks of one export node, by query key: a node exporting several folders keeps one mark per folder. */
export type ExportMarks = Record<string, ExportMark>;

export interface ExportQueryShape {
  folderId: number;
  recursive: boolean;
  where?: AttributeFilter;
  nameGlob?: string;
}

/** Human-readable description of a query, stored next to its mark. */
export function describeQuery(q: ExportQueryShape): string {
  const parts = [`folder ${q.folderId}`];
  if (q.recursive) parts.push('recursive');
  if (q.where) parts.push(`${q.where.category}.${q.where.attribute} = ${String(q.where.equals)}`);
  if (q.nameGlob) parts.push(`name ${q.nameGlob}`);
  return parts.join(', ');
}

/**
 * Key of a query's mark. A different folder, filter or glob is a different set of documents: reusing
 * another query's mark would skip documents that were never sent.
 */
export function markKey(q: ExportQueryShape): string {
  const canonical = JSON.stringify([
    q.folderId,
    q.recursive,
    q.where ? [q.where.category.toLowerCase(), q.where.attribute.toLowerCase(), String(q.where.equals)] : null,
    q.nameGlob ?? null,
  ]);
  return `q${createHash('sha256').update(canonical).digest('hex').slice(0, 16)}`;
}

/** The mark after delivering a document modified at `modifyDate`. Documents are delivered oldest first. */
export function advanceMark(
  mark: ExportMark | undefined,
  id: number,
  modifyDate: Date | undefined,
  query: string,
  version?: number,
  now = new Date(),
): ExportMark {
  const base: ExportMark = mark ?? { seenAtMark: [], seenVersions: {}, query, updatedAt: now.toISOString() };
  if (!modifyDate) return base;
  const since = base.since ? Date.parse(base.since) : undefined;
  const t = modifyDate.getTime();
  const versions = (previous: Record<string, number>): Record<string, number> => (version === undefined ? previous : { ...previous, [String(id)]: version });
  if (since === undefined || t > since) {
    return { since: modifyDate.toISOString(), seenAtMark: [id], seenVersions: versions({}), query, updatedAt: now.toISOString() };
  }
  if (t === since) {
    const seen = base.seenAtMark.includes(id) ? base.seenAtMark : [...base.seenAtMark, id];
    return { ...base, seenAtMark: seen, seenVersions: versions(base.seenVersions ?? {}), query, updatedAt: now.toISOString() };
  }
  return base;
}

/** A stored value read back from a context store, checked: anything malformed counts as no mark. */
export function readMark(value: unknown): ExportMark | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const since = typeof v.since === 'string' && !Number.isNaN(Date.parse(v.since)) ? v.since : undefined;
  const seen = Array.isArray(v.seenAtMark) ? v.seenAtMark.filter((x): x is number => typeof x === 'number') : [];
  const seenVersions: Record<string, number> = {};
  if (typeof v.seenVersions === 'object' && v.seenVersions !== null) {
    for (const [id, n] of Object.entries(v.seenVersions)) if (typeof n === 'number') seenVersions[id] = n;
  }
  return {
    since,
    seenAtMark: seen,
    seenVersions,
    query: typeof v.query === 'string' ? v.query : '',
    updatedAt: typeof v.updatedAt === 'string' ? v.updatedAt : '',
  };
}

/** Where one export node keeps its marks (a Node-RED context store), with errors that name the store. */
export class ExportMarkStore {
  constructor(
    private readonly kv: KeyValueStore,
    /** The context store's name, for error messages (undefined = the default store). */
    private readonly storeName: string | undefined,
    private readonly key = 'filebridgeExportMarks',
  ) {}

  private async all(): Promise<ExportMarks> {
    try {
      const value = await this.kv.get(this.key);
      return typeof value === 'object' && value !== null ? (value as ExportMarks) : {};
    } catch (err) {
      throw new FileBridgeError(
        'CONNECTION',
        `Cannot read the export mark from context store '${this.storeName ?? 'default'}': ${errorMessage(err)}`,
        { store: this.storeName ?? 'default', operation: 'read' },
        { cause: err },
      );
    }
  }

  private async write(marks: ExportMarks | undefined): Promise<void> {
    try {
      await this.kv.set(this.key, marks);
    } catch (err) {
      throw new FileBridgeError(
        'CONNECTION',
        `Cannot save the export mark in context store '${this.storeName ?? 'default'}': ${errorMessage(err)}`,
        { store: this.storeName ?? 'default', operation: 'write' },
        { cause: err },
      );
    }
  }

  async load(queryKey: string): Promise<ExportMark | undefined> {
    return readMark((await this.all())[queryKey]);
  }

  async save(queryKey: string, mark: ExportMark): Promise<void> {
    await this.write({ ...(await this.all()), [queryKey]: mark });
  }

  /** Forgets every mark: the next run sends everything again. */
  async reset(): Promise<void> {
    await this.write(undefined);
  }
}
