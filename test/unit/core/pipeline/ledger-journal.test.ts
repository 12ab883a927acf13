import { strict as assert } from 'node:assert';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger, MemoryStore } from '../../../../src/core/pipeline/ledger';
import { JOURNAL_FILE, journaled, LedgerJournal, MAX_JOURNAL_LINE } from '../../../../src/core/pipeline/ledger-journal';

const T0 = Date.parse('2026-11-02T10:00:00.000Z');
const DAY = 86_400_000;

describe('pipeline: ledger journal', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'filebridge-journal-'));
    file = join(dir, 'filebridge', JOURNAL_FILE);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** The journal as a restarted runtime finds it: a fresh instance reading the same file. */
  const reopened = (now = T0): LedgerJournal => new LedgerJournal(file, () => now);
  const facts = (n: number): { path: string; size: number; mtime: string } => ({ path: `/in/f${n}.pdf`, size: n, mtime: '2026-11-02T09:00:00.000Z' });

  it('a ledger entry is in the file when the record resolves: a restart with an empty context store still knows it', async () => {
    const ledger = new Ledger(journaled(new MemoryStore(), new LedgerJournal(file, () => T0)), 'p_', 30 * DAY, () => T0);
    await ledger.record(facts(1), 'left');
    // What a kill -9 leaves: the memory store is gone, the journal file is all there is.
    const after = new Ledger(journaled(new MemoryStore(), reopened()), 'p_', 30 * DAY, () => T0);
    assert.equal(await after.has(facts(1)), true);
    assert.equal(await after.has(facts(2)), false);
    await after.forget(facts(1));
    const again = new Ledger(journaled(new MemoryStore(), reopened()), 'p_', 30 * DAY, () => T0);
    assert.equal(await again.has(facts(1)), false, 'forgetting is on disk too');
  });

  it('reads what the context store holds from other runtimes, and lists both sides', async () => {
    const shared = new MemoryStore();
    await shared.set('p_other', { expires: T0 + DAY });
    const store = journaled(shared, new LedgerJournal(file, () => T0));
    await store.set('p_mine', { expires: T0 + DAY });
    assert.deepEqual(await store.get('p_other'), { expires: T0 + DAY });
    assert.deepEqual(await store.get('p_mine'), { expires: T0 + DAY });
    assert.deepEqual(shared.map.get('p_mine'), { expires: T0 + DAY }, 'written to the context store as well');
    assert.deepEqual((await store.keys()).sort(), ['p_mine', 'p_other']);
  });

  it('skips a line torn by a crash mid-append, and a line too long or not JSON, keeping everything else', async () => {
    const j = new LedgerJournal(file, () => T0);
    await j.set('a', { expires: T0 + DAY });
    await j.set('b', { expires: T0 + DAY });
    await appendFile(file, `not json\n{"k":"c","v":{"expires":${T0 + DAY}},"pad":"${'x'.repeat(MAX_JOURNAL_LINE)}"}\n{"k":"d","v":{"exp`);
    const r = reopened();
    assert.deepEqual((await r.keys()).sort(), ['a', 'b']);
    assert.equal(r.skipped, 3);
    // The next append starts on a line of its own, so the torn one cannot swallow it.
    await r.set('e', { expires: T0 + DAY });
    assert.deepEqual((await reopened().keys()).sort(), ['a', 'b', 'e']);
  });

  it('drops entries that expired; forgetting an expired one writes nothing', async () => {
    const j = new LedgerJournal(file, () => T0);
    await j.set('old', { expires: T0 + 1000 });
    await j.set('new', { expires: T0 + DAY });
    const later = reopened(T0 + 2000);
    assert.deepEqual(await later.keys(), ['new']);
    const size = (await stat(file)).size;
    const j2 = new LedgerJournal(file, () => T0 + 2000);
    await j2.get('old');
    await j2.set('gone-anyway', undefined);
    assert.equal((await stat(file)).size, size);
  });

  it('stays bounded: a file of many replaced entries is rewritten with the live ones only', async () => {
    const j = new LedgerJournal(file, () => T0);
    for (let round = 0; round < 40; round++) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => j.set(`k${i % 10}`, { expires: T0 + DAY, round })));
    }
    const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '').length;
    assert.ok(lines <= 1100, `${lines} lines for 10 live entries after 4,000 writes`);
    const r = reopened();
    assert.equal((await r.keys()).length, 10);
    assert.deepEqual(await r.get('k3'), { expires: T0 + DAY, round: 39 });
  });

  it('writes that come together all resolve, and all are there after a restart', async () => {
    const j = new LedgerJournal(file, () => T0);
    await Promise.all(Array.from({ length: 200 }, (_, i) => j.set(`k${i}`, { expires: T0 + DAY, i })));
    assert.equal((await reopened().keys()).length, 200);
  });

  it('one journal per folder in a process; a folder that cannot be written fails the write', async () => {
    assert.equal(LedgerJournal.in(join(dir, 'filebridge')), LedgerJournal.in(join(dir, 'filebridge', '.')));
    await writeFile(join(dir, 'blocked'), 'a file where the folder should be');
    const blocked = new LedgerJournal(join(dir, 'blocked', JOURNAL_FILE), () => T0);
    await assert.rejects(blocked.set('k', { expires: T0 + DAY }));
  });
});
