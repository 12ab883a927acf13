/**
 * The ledger's own journal: every ledger write is on disk (written and fsync'd) before the step
 * that depends on it goes on, whatever context store the user picked.
 *
 * Node-RED's context stores do not promise that: the memory store forgets everything on a restart,
 * and `localfilesystem` answers a set from its memory cache and writes its file up to
 * `flushInterval` (30 s) later, without fsync (@node-red/runtime lib/nodes/context/localfilesystem.js,
 * the same in Node-RED 4.1 and 5). A runtime killed in between forgets the files it left in place,
 * and processes them again. So the ledger writes through this journal first: one append-only file in
 * Node-RED's user directory, one JSON line per change (`{"k": key, "v": entry}`, or `{"k": key}` for a
 * removal), appended and fsync'd before the write resolves. Writes that arrive together share one
 * fsync. The file is read once at start; a line torn by a crash, or longer than 16 KiB, is skipped.
 * It stays bounded: entries expire like the ledger's (`expires`), and when the file holds more than
 * twice as many lines as live entries it is rewritten with the live ones only (temporary file,
 * fsync, rename, fsync of the folder), so it never grows past about twice what the ledger holds.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { KeyValueStore } from '../key-value-store';

/** A journal line longer than this is not a ledger entry (a path is at most a few KiB): it is skipped. */
export const MAX_JOURNAL_LINE = 16 * 1024;
/** The file is rewritten when it has more lines than this and more than twice the live entries. */
const COMPACT_MIN_LINES = 1000;

export const JOURNAL_FILE = 'ledger.journal';

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

function expiresOf(value: unknown): number | undefined {
  const e = typeof value === 'object' && value !== null ? (value as { expires?: unknown }).expires : undefined;
  return typeof e === 'number' ? e : undefined;
}

/** fsync of a folder, so a file created or renamed in it survives a power cut; not possible everywhere (Windows). */
async function syncFolder(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // EISDIR / EPERM where folders cannot be opened: the file's own fsync is what the platform offers.
  }
}

export class LedgerJournal {
  private static readonly open = new Map<string, LedgerJournal>();

  /** The journal of a folder, one per process, shared by every watch whose runtime uses that folder. */
  static in(folder: string): LedgerJournal {
    const file = join(resolve(folder), JOURNAL_FILE);
    let journal = LedgerJournal.open.get(file);
    if (!journal) {
      journal = new LedgerJournal(file);
      LedgerJournal.open.set(file, journal);
    }
    return journal;
  }

  private readonly entries = new Map<string, unknown>();
  /** Resolves once the file was read; rejects when it cannot be read (then every use fails with that). */
  readonly ready: Promise<void>;
  /** Lines in the file (live, replaced and removed): decides when to rewrite it. */
  private lines = 0;
  /** Lines skipped when the file was read (torn by a crash, too long, not JSON). */
  skipped = 0;
  /** The file ends in a partial line (a crash during an append): the next append starts a new line. */
  private tornTail = false;
  private exists = false;
  private queue: { line: string; waiter: Waiter }[] = [];
  private writing = false;

  constructor(
    readonly file: string,
    private readonly now: () => number = Date.now,
  ) {
    this.ready = this.load();
    // Every use awaits `ready` and sees a failure to read; this keeps an unused one from being unhandled.
    this.ready.catch(() => undefined);
  }

  /** The value of a key, or undefined; an expired entry reads as what it was (the ledger decides). */
  async get(key: string): Promise<unknown> {
    await this.ready;
    return this.entries.get(key);
  }

  async has(key: string): Promise<boolean> {
    await this.ready;
    return this.entries.has(key);
  }

  async keys(): Promise<string[]> {
    await this.ready;
    return [...this.entries.keys()];
  }

  /**
   * Records a value (`undefined` removes the key) and resolves once it is on disk. Removing a key
   * the journal does not hold, or one that has expired, writes nothing: expired entries are left
   * out when the file is read or rewritten anyway.
   */
  async set(key: string, value: unknown): Promise<void> {
    await this.ready;
    if (value === undefined) {
      if (!this.entries.has(key)) return;
      const expires = expiresOf(this.entries.get(key));
      this.entries.delete(key);
      if (expires !== undefined && expires <= this.now()) return;
      return this.append(JSON.stringify({ k: key }));
    }
    this.entries.set(key, value);
    return this.append(JSON.stringify({ k: key, v: value }));
  }

  private append(line: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ line, waiter: { resolve, reject } });
      void this.drain();
    });
  }

  /** Writes what is queued, one batch and one fsync at a time. */
  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        try {
          if (this.lines + batch.length > COMPACT_MIN_LINES && this.lines + batch.length > 2 * this.entries.size) await this.rewrite();
          else await this.appendLines(batch.map((b) => b.line));
          for (const b of batch) b.waiter.resolve();
        } catch (err) {
          for (const b of batch) b.waiter.reject(err);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async appendLines(lines: string[]): Promise<void> {
    if (!this.exists) await mkdir(dirname(this.file), { recursive: true });
    const handle = await open(this.file, 'a');
    try {
      await handle.write(`${this.tornTail ? '\n' : ''}${lines.join('\n')}\n`);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    if (!this.exists) {
      await syncFolder(dirname(this.file));
      this.exists = true;
    }
    this.tornTail = false;
    this.lines += lines.length;
  }

  /** Replaces the file by the live entries only: temporary file, fsync, rename, fsync of the folder. */
  private async rewrite(): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const now = this.now();
    for (const [key, value] of this.entries) {
      const expires = expiresOf(value);
      if (expires !== undefined && expires <= now) this.entries.delete(key);
    }
    const temp = `${this.file}.${process.pid}.tmp`;
    const handle = await open(temp, 'w');
    try {
      const lines = [...this.entries].map(([k, v]) => JSON.stringify({ k, v }));
      await handle.write(lines.length > 0 ? `${lines.join('\n')}\n` : '');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, this.file);
    await syncFolder(dirname(this.file));
    this.exists = true;
    this.tornTail = false;
    this.lines = this.entries.size;
  }

  /** Reads the file line by line (never more than one line of at most 16 KiB held as text). */
  private async load(): Promise<void> {
    let partial = '';
    let tooLong = false;
    const now = this.now();
    const take = (line: string): void => {
      if (line === '') return;
      this.lines++;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        this.skipped++;
        return;
      }
      const k = typeof parsed === 'object' && parsed !== null ? (parsed as { k?: unknown }).k : undefined;
      if (typeof k !== 'string') {
        this.skipped++;
        return;
      }
      const v = (parsed as { v?: unknown }).v;
      if (v === undefined) this.entries.delete(k);
      else this.entries.set(k, v);
    };
    try {
      for await (const chunk of createReadStream(this.file, { encoding: 'utf8' }) as AsyncIterable<string>) {
        this.exists = true;
        let start = 0;
        for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', start)) {
          const piece = chunk.slice(start, nl);
          start = nl + 1;
          if (tooLong || partial.length + piece.length > MAX_JOURNAL_LINE) {
            this.lines++;
            this.skipped++;
          } else take(partial + piece);
          partial = '';
          tooLong = false;
        }
        const rest = chunk.slice(start);
        if (tooLong || partial.length + rest.length > MAX_JOURNAL_LINE) {
          tooLong = true;
          partial = '';
        } else partial += rest;
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    if (partial !== '' || tooLong) {
      // The last append was cut off by a crash: it never resolved, so nothing relied on it.
      this.tornTail = true;
      this.lines++;
      this.skipped++;
    }
    for (const [key, value] of this.entries) {
      const expires = expiresOf(value);
      if (expires !== undefined && expires <= now) this.entries.delete(key);
    }
  }
}

/**
 * The ledger's store with the journal in front: a write is fsync'd in the journal before it goes to
 * the context store; a read answers from the journal, else from the store (which may hold what
 * other runtimes recorded, with a shared store such as Redis). Keys are both sides' keys.
 */
export function journaled(store: KeyValueStore, journal: LedgerJournal): KeyValueStore {
  return {
    get: async (key) => ((await journal.has(key)) ? journal.get(key) : store.get(key)),
    set: async (key, value) => {
      await journal.set(key, value);
      await store.set(key, value);
    },
    keys: async () => [...new Set([...(await journal.keys()), ...(await store.keys())])],
  };
}
