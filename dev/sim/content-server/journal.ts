/**
 * The simulator's repository on disk: a snapshot (`state.json`) and a journal (`journal.jsonl`)
 * with one line per change holding the whole records it touched. A change costs one append of
 * its own records, whatever the size of the repository (rewriting the whole state on every
 * change made uploads slow down as a folder grew). At start the journal is replayed over the
 * snapshot and folded into it; while running it is folded in once it outgrows the snapshot, so
 * the rewrites cost a constant share of the appends.
 */
import { appendFileSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface JournalState<N> {
  nextId: number;
  nodes: N[];
}

interface Line<N> {
  nextId: number;
  nodes: N[];
}

/** The journal is folded into the snapshot past this size, or past the snapshot's size if larger. */
export const COMPACT_AFTER_BYTES = 4 * 1024 * 1024;

export class StateJournal<N extends { id: number }> {
  readonly snapshotFile: string;
  readonly journalFile: string;
  private journalBytes = 0;
  private snapshotBytes = 0;
  /** Folds done while running (not at start): for tests and the bench. */
  compactions = 0;

  constructor(
    dir: string,
    private readonly compactAfterBytes = COMPACT_AFTER_BYTES,
  ) {
    this.snapshotFile = join(dir, 'state.json');
    this.journalFile = join(dir, 'journal.jsonl');
  }

  /**
   * The state as the last run left it, or undefined when there is none. A last line cut short (the
   * process died while appending) is dropped: its change was never answered. A damaged line
   * before the last is a damaged repository and throws. Leaves the journal folded into the snapshot.
   */
  load(): JournalState<N> | undefined {
    const hasSnapshot = existsSync(this.snapshotFile);
    const hasJournal = existsSync(this.journalFile);
    if (!hasSnapshot && !hasJournal) return undefined;
    const base: JournalState<N> = hasSnapshot ? (JSON.parse(readFileSync(this.snapshotFile, 'utf8')) as JournalState<N>) : { nextId: 0, nodes: [] };
    const byId = new Map<number, N>(base.nodes.map((n) => [n.id, n]));
    let nextId = base.nextId;
    if (hasJournal) {
      const lines = readFileSync(this.journalFile, 'utf8').split('\n');
      // Complete lines end with "\n": the piece after the last one is empty, or torn.
      const torn = lines.pop();
      if (torn) parseLine<N>(torn, true);
      lines.forEach((text, i) => {
        if (!text) return;
        const line = parseLine<N>(text, false, i + 1);
        if (!line) return;
        // After a fold that died before emptying the journal, its lines are older than the snapshot: replaying them again is harmless.
        nextId = Math.max(nextId, line.nextId);
        for (const n of line.nodes) byId.set(n.id, n);
      });
    }
    const state = { nextId, nodes: [...byId.values()] };
    this.compact(state);
    return state;
  }

  /** Records the records one change touched (whole, as they are now). */
  append(nextId: number, nodes: N[], all: () => JournalState<N>): void {
    const text = `${JSON.stringify({ nextId, nodes } satisfies Line<N>)}\n`;
    appendFileSync(this.journalFile, text);
    this.journalBytes += Buffer.byteLength(text);
    if (this.journalBytes > Math.max(this.compactAfterBytes, this.snapshotBytes)) {
      this.compact(all());
      this.compactions++;
    }
  }

  /** Writes `state` as the snapshot (atomically) and empties the journal. */
  compact(state: JournalState<N>): void {
    const text = JSON.stringify(state);
    writeFileSync(`${this.snapshotFile}.tmp`, text);
    renameSync(`${this.snapshotFile}.tmp`, this.snapshotFile);
    writeFileSync(this.journalFile, '');
    this.snapshotBytes = Buffer.byteLength(text);
    this.journalBytes = 0;
  }

  /** Sizes of the files now, for tests. */
  sizes(): { snapshot: number; journal: number } {
    return { snapshot: statSync(this.snapshotFile).size, journal: existsSync(this.journalFile) ? statSync(this.journalFile).size : 0 };
  }
}

function parseLine<N>(text: string, last: boolean, number = 0): Line<N> | undefined {
  try {
    const line = JSON.parse(text) as Line<N>;
    if (typeof line.nextId === 'number' && Array.isArray(line.nodes)) return line;
  } catch {
    // handled below
  }
  if (last) return undefined;
  throw new Error(`The simulator's journal is damaged at line ${number}: ${text.slice(0, 80)}`);
}
