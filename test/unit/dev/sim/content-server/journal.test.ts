import { strict as assert } from 'node:assert';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateJournal } from '../../../../../dev/sim/content-server/journal';

interface Rec {
  id: number;
  name: string;
}

describe('Content Server simulator: state journal', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cs-journal-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const all = (recs: Rec[], nextId: number) => () => ({ nextId, nodes: recs });

  it('replays changes over the snapshot in order, newest record of an id wins, and folds them in at start', () => {
    const first = new StateJournal<Rec>(dir);
    assert.equal(first.load(), undefined, 'nothing yet');
    first.compact({ nextId: 3, nodes: [{ id: 1, name: 'root' }] });
    first.append(4, [{ id: 3, name: 'a' }], all([], 4));
    first.append(5, [{ id: 4, name: 'b' }], all([], 5));
    first.append(5, [{ id: 3, name: 'a renamed' }], all([], 5));
    assert.equal(readFileSync(first.journalFile, 'utf8').split('\n').length, 4, 'three lines: one per change');
    const state = new StateJournal<Rec>(dir).load();
    assert.deepEqual(state, {
      nextId: 5,
      nodes: [
        { id: 1, name: 'root' },
        { id: 3, name: 'a renamed' },
        { id: 4, name: 'b' },
      ],
    });
    assert.equal(readFileSync(first.journalFile, 'utf8'), '', 'folded into the snapshot');
    assert.deepEqual(JSON.parse(readFileSync(first.snapshotFile, 'utf8')), state);
  });

  it('a change costs an append of its own records, however many there are', () => {
    const j = new StateJournal<Rec>(dir);
    const many = Array.from({ length: 5000 }, (_, i) => ({ id: i, name: `n${i}` }));
    j.compact({ nextId: 5000, nodes: many });
    const before = j.sizes();
    j.append(5001, [{ id: 5000, name: 'new' }], all(many, 5001));
    const after = j.sizes();
    assert.equal(after.snapshot, before.snapshot, 'the snapshot is not rewritten');
    assert.equal(after.journal, `${JSON.stringify({ nextId: 5001, nodes: [{ id: 5000, name: 'new' }] })}\n`.length);
  });

  it('folds the journal into the snapshot once it outgrows it', () => {
    const recs: Rec[] = [];
    const j = new StateJournal<Rec>(dir, 100);
    j.compact({ nextId: 0, nodes: [] });
    for (let i = 0; i < 20; i++) {
      recs.push({ id: i, name: `file number ${i}` });
      j.append(i + 1, [recs[i]], all(recs, i + 1));
    }
    assert.ok(j.compactions > 0, 'folded while running');
    assert.ok(j.sizes().journal <= Math.max(100, j.sizes().snapshot) + 60);
    assert.deepEqual(new StateJournal<Rec>(dir).load(), { nextId: 20, nodes: recs });
  });

  it('drops a torn last line (a change cut short by a crash) and goes on appending cleanly', () => {
    const j = new StateJournal<Rec>(dir);
    j.compact({ nextId: 1, nodes: [] });
    j.append(2, [{ id: 1, name: 'kept' }], all([], 2));
    appendFileSync(j.journalFile, '{"nextId":3,"nodes":[{"id":2,"na');
    const again = new StateJournal<Rec>(dir);
    assert.deepEqual(again.load(), { nextId: 2, nodes: [{ id: 1, name: 'kept' }] });
    again.append(3, [{ id: 2, name: 'after' }], all([], 3));
    assert.deepEqual(new StateJournal<Rec>(dir).load()?.nodes, [
      { id: 1, name: 'kept' },
      { id: 2, name: 'after' },
    ]);
  });

  it('a damaged line before the last is a damaged repository', () => {
    const j = new StateJournal<Rec>(dir);
    j.compact({ nextId: 1, nodes: [] });
    writeFileSync(j.journalFile, 'not json\n{"nextId":2,"nodes":[]}\n');
    assert.throws(() => new StateJournal<Rec>(dir).load(), /damaged at line 1/);
  });

  it('a fold that died before emptying the journal replays harmlessly', () => {
    const j = new StateJournal<Rec>(dir);
    j.compact({ nextId: 1, nodes: [] });
    j.append(2, [{ id: 1, name: 'x' }], all([], 2));
    const journal = readFileSync(j.journalFile, 'utf8');
    j.compact({
      nextId: 7,
      nodes: [
        { id: 1, name: 'x' },
        { id: 6, name: 'later' },
      ],
    });
    writeFileSync(j.journalFile, journal);
    assert.deepEqual(new StateJournal<Rec>(dir).load(), {
      nextId: 7,
      nodes: [
        { id: 1, name: 'x' },
        { id: 6, name: 'later' },
      ],
    });
  });
});
