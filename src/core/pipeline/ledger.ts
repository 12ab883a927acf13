import { createHash } from 'node:crypto';
import { codedStore, type KeyValueStore } from '../key-value-store';

export { MemoryStore, type KeyValueStore } from '../key-value-store';

export interface LedgerFacts {
  path: string;
  size: number;
  /** ISO time or Date. */
  mtime: string | Date;
  /** The remote's id of the file (Dropbox `id:...`), which a rename or move keeps. */
  id?: string;
  /** Dropbox `content_hash` of the bytes. */
  contentHash?: string;
}

export interface LedgerEntry {
  path: string;
  size: number;
  mtime: string;
  id?: string;
  contentHash?: string;
  /** What was done: archived, deleted, left. */
  outcome: string;
  at: string;
  /** Epoch ms after which the entry no longer counts. */
  expires: number;
}

/** How the ledger's store is named in the errors of its failures (`codedStore`). */
export interface LedgerStoreName {
  what: string;
  details?: Record<string, unknown>;
}

/**
 * What was processed, keyed by path + size + mtime. A file left in place is not emitted again while
 * those three are unchanged; a changed or re-uploaded file has a new mtime, hence a new key.
 *
 * A file that carries an id and a content hash (Dropbox) is keyed by those two instead: the id
 * stays with the file through renames and moves (a claim is a move, and putting the file back is
 * another, which may well change its time), the hash changes with every change of the bytes and
 * with nothing else. So an unchanged file is never sent again wherever it went, and a changed one
 * is (Dropbox keeps the id when a file is overwritten: only the hash tells).
 */
export class Ledger {
  private readonly store: KeyValueStore;
  /** The entries of this ledger by path, read from the store once (see `versionsIn`). */
  private byPath?: Promise<Map<string, LedgerEntry[]>>;

  constructor(
    store: KeyValueStore,
    /** Keeps ledgers of different servers/folders apart in a shared store; letters, digits, `_`. */
    private readonly prefix: string,
    private readonly expiryMs: number,
    private readonly now: () => number = Date.now,
    /** How a store failure names the store (the watch names its context store and journal), and details that go with it. */
    named: LedgerStoreName = { what: "the ledger's store" },
  ) {
    // Every failure reaching a node's done(err) carries a code (see codedStore).
    this.store = codedStore(store, named.what, named.details);
  }

  /** A prefix that is the same for every watch of one server folder, so they share what was done. */
  static prefixFor(host: string, port: number, folder: string): string {
    return `filebridge_ledger_${createHash('sha256').update(`${host}:${port}:${folder}`).digest('hex').slice(0, 16)}_`;
  }

  keyOf(facts: LedgerFacts): string {
    if (facts.id && facts.contentHash) return this.prefix + createHash('sha256').update(`id\n${facts.id}\n${facts.contentHash}`).digest('hex').slice(0, 32);
    const mtime = typeof facts.mtime === 'string' ? new Date(facts.mtime).toISOString() : facts.mtime.toISOString();
    return this.prefix + createHash('sha256').update(`${facts.path}\n${facts.size}\n${mtime}`).digest('hex').slice(0, 32);
  }

  async has(facts: LedgerFacts): Promise<boolean> {
    const value = (await this.store.get(this.keyOf(facts))) as LedgerEntry | undefined;
    if (!value || typeof value !== 'object') return false;
    if (typeof value.expires === 'number' && value.expires <= this.now()) {
      await this.store.set(this.keyOf(facts), undefined);
      return false;
    }
    return true;
  }

  /**
   * The entries of `path` with `size` whose mtime lies in [`from`, `to`] (epoch ms): the versions a
   * listing that gives times only to the minute or day may show. A hint, not an answer: the entries
   * are read from the store on the first call and kept current with this instance's own `record`
   * and `forget`, so an entry another instance wrote since is missing and one it removed is still
   * here. Callers confirm a version with `has`.
   */
  async versionsIn(path: string, size: number, from: number, to: number): Promise<LedgerEntry[]> {
    const versions = (await this.indexed()).get(path);
    if (!versions) return [];
    return versions.filter((v) => {
      const t = Date.parse(v.mtime);
      return v.size === size && t >= from && t <= to;
    });
  }

  private indexed(): Promise<Map<string, LedgerEntry[]>> {
    this.byPath ??= (async () => {
      const byPath = new Map<string, LedgerEntry[]>();
      for (const key of await this.store.keys()) {
        if (!key.startsWith(this.prefix)) continue;
        const value = (await this.store.get(key)) as LedgerEntry | undefined;
        if (value && typeof value === 'object' && typeof value.path === 'string' && !value.id) addVersion(byPath, value);
      }
      return byPath;
    })();
    // A store that could not be read is read again at the next call.
    this.byPath.catch(() => (this.byPath = undefined));
    return this.byPath;
  }

  async record(facts: LedgerFacts, outcome: string): Promise<LedgerEntry> {
    const now = this.now();
    const entry: LedgerEntry = {
      path: facts.path,
      size: facts.size,
      mtime: typeof facts.mtime === 'string' ? facts.mtime : facts.mtime.toISOString(),
      ...(facts.id && facts.contentHash ? { id: facts.id, contentHash: facts.contentHash } : {}),
      outcome,
      at: new Date(now).toISOString(),
      expires: now + this.expiryMs,
    };
    await this.store.set(this.keyOf(facts), entry);
    if (this.byPath && !entry.id) addVersion(await this.byPath, entry);
    return entry;
  }

  async forget(facts: LedgerFacts): Promise<void> {
    await this.store.set(this.keyOf(facts), undefined);
    if (this.byPath) {
      const byPath = await this.byPath;
      const left = (byPath.get(facts.path) ?? []).filter((v) => !sameVersion(v, facts));
      if (left.length > 0) byPath.set(facts.path, left);
      else byPath.delete(facts.path);
    }
  }

  /** Removes the entries whose outcome is one of `outcomes` (and expired ones on the way); returns how many of the former. */
  async forgetOutcomes(outcomes: readonly string[]): Promise<number> {
    return (await this.prune((entry) => outcomes.includes(entry.outcome))).matched;
  }

  /** Removes expired entries; returns how many. */
  async sweep(): Promise<number> {
    return (await this.prune(() => false)).removed;
  }

  /** Removes the expired entries and those `matches` picks; says how many went, and how many of them were picked. */
  private async prune(matches: (entry: LedgerEntry) => boolean): Promise<{ removed: number; matched: number }> {
    let removed = 0;
    let matched = 0;
    const now = this.now();
    for (const key of await this.store.keys()) {
      if (!key.startsWith(this.prefix)) continue;
      const value = (await this.store.get(key)) as LedgerEntry | undefined;
      const picked = typeof value === 'object' && value !== null && matches(value);
      if (!value || typeof value.expires !== 'number' || value.expires <= now || picked) {
        await this.store.set(key, undefined);
        removed++;
        if (picked) matched++;
      }
    }
    // The index is read again when next asked for, without what went.
    if (removed > 0) this.byPath = undefined;
    return { removed, matched };
  }
}

/** Adds an entry to a by-path index, replacing one of the same version. */
function addVersion(byPath: Map<string, LedgerEntry[]>, entry: LedgerEntry): void {
  const versions = byPath.get(entry.path);
  if (!versions) {
    byPath.set(entry.path, [entry]);
    return;
  }
  const same = versions.findIndex((v) => sameVersion(v, entry));
  if (same >= 0) versions[same] = entry;
  else versions.push(entry);
}

/** One version of a path's file in the by-path index (whose entries have no id): the same size and the same instant. */
function sameVersion(a: Pick<LedgerFacts, 'size' | 'mtime'>, b: Pick<LedgerFacts, 'size' | 'mtime'>): boolean {
  return a.size === b.size && new Date(a.mtime).getTime() === new Date(b.mtime).getTime();
}
