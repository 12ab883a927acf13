import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '../../../../src/core/key-value-store';
import { Ledger } from '../../../../src/core/pipeline/ledger';
import { JOURNAL_FILE, journaled, LedgerJournal } from '../../../../src/core/pipeline/ledger-journal';
import { claimedFileOf, commitClaim, retryClaim, rollbackClaim, type ClaimSite } from '../../../../src/core/pipeline/process-strategy';
import type { RunningWatch } from '../../../../src/core/pipeline/running-watches';
import type { SourceFacts } from '../../../../src/core/pipeline/source';
import { createPool } from '../../../../src/core/remote/connect';
import { FileBridgeError } from '../../../../src/core/errors';
import type { SessionPool } from '../../../../src/core/remote/session-pool';
import type { RemoteSession } from '../../../../src/core/remote/types';
import { servers } from '../../../support/dev-servers';
import { optionsFor } from '../../../support/server-options';

/** The ledger's store, noting whether the claimed file was still in the claim folder at each write. */
class WatchedStore extends MemoryStore {
  writes: { key: string; deleted: boolean; claimStillThere: boolean; inJournal?: boolean }[] = [];
  failSets = false;
  constructor(
    private readonly claimPath: () => string,
    /** A ledger journal file: each write also notes whether the key was already in it. */
    private readonly journalFile?: string,
  ) {
    super();
  }
  override async set(key: string, value: unknown): Promise<void> {
    if (this.failSets) throw new Error('store is read-only');
    const claimStillThere = await servers().exists(this.claimPath());
    const inJournal = this.journalFile ? (await readFile(this.journalFile, 'utf8').catch(() => '')).includes(key) : undefined;
    this.writes.push({ key, deleted: value === undefined, claimStillThere, inJournal });
    await super.set(key, value);
  }
}

/** A running watch that records what commit and rollback ask of it, in order. */
function recordingWatch(ledger: Ledger): RunningWatch & { calls: string[] } {
  const calls: string[] = [];
  return {
    ledger,
    calls,
    maxAttempts: 3,
    closeStream: (id) => void calls.push(`close ${id}`),
    release: (id) => (calls.push(`release ${id}`), true),
    retry: (id) => (calls.push(`retry ${id}`), true),
  };
}

describe('process strategy: commit and rollback of a claimed file (real SFTP server)', function () {
  this.timeout(60_000);
  let pool: SessionPool<RemoteSession>;
  let dir = '';
  let n = 0;
  before(() => {
    pool = createPool(optionsFor('sftp'), { size: 2 });
  });
  after(() => pool.close());

  async function claimed(name: string): Promise<SourceFacts> {
    dir = `strategy-${++n}`;
    await servers().remove(dir);
    const claimPath = `${dir}/in/.filebridge/processing/1762077600000-0a0b0c0d-1~${name}`;
    await servers().writeFile(claimPath, 'content');
    return {
      server: 's1',
      watch: 'w1',
      protocol: 'sftp',
      host: '127.0.0.1',
      port: 22,
      folder: `${dir}/in`,
      path: `${dir}/in/${name}`,
      relativePath: name,
      name,
      claimPath,
      size: 7,
      mtime: '2026-11-02T10:00:00.000Z',
      claimedAt: '2026-11-02T10:00:03.000Z',
      attempt: 1,
    };
  }

  function site(source: SourceFacts): { site: ClaimSite; store: WatchedStore; ledger: Ledger; watch: ReturnType<typeof recordingWatch> } {
    const store = new WatchedStore(() => source.claimPath);
    const ledger = new Ledger(store, 'p_', 86_400_000);
    const watch = recordingWatch(ledger);
    return { site: { pool, watch }, store, ledger, watch };
  }

  it('leave: the ledger entry is on record before the file is back in the inbox; the stream is closed first and the slot freed last', async () => {
    const source = await claimed('left.pdf');
    const { site: at, store, ledger, watch } = site(source);
    const result = await commitClaim(at, { source, correlationId: 'c1' }, { action: 'leave' });
    assert.equal(result.disposal.action, 'left');
    assert.ok(await servers().exists(source.path), 'back at its original path');
    assert.deepEqual(
      store.writes.map((w) => w.claimStillThere),
      [true],
      'recorded while the file was still claimed',
    );
    assert.equal(await ledger.has(source), true);
    assert.deepEqual(watch.calls, ['close c1', 'release c1']);
    assert.equal(result.audit.disposal, 'left');
    assert.equal(result.audit.sourceNowAt, source.path);
  });

  it("leave with the ledger journal: the entry is in the fsync'd journal file before the context store has it and before the file goes back", async () => {
    const source = await claimed('journaled.pdf');
    const folder = await mkdtemp(join(tmpdir(), 'filebridge-strategy-journal-'));
    try {
      const file = join(folder, JOURNAL_FILE);
      const store = new WatchedStore(() => source.claimPath, file);
      const ledger = new Ledger(journaled(store, new LedgerJournal(file)), 'p_', 86_400_000);
      await commitClaim({ pool, watch: recordingWatch(ledger) }, { source, correlationId: 'cj' }, { action: 'leave' });
      assert.deepEqual(
        store.writes.map((w) => [w.inJournal, w.claimStillThere]),
        [[true, true]],
      );
      assert.ok(await servers().exists(source.path), 'back at its original path');
      assert.equal(await new Ledger(journaled(new MemoryStore(), new LedgerJournal(file)), 'p_', 86_400_000).has(source), true, 'known after a restart');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('archive: the ledger is written after the file is gone from the claim folder; a failing ledger only warns', async () => {
    const source = await claimed('kept.pdf');
    const { site: at, store } = site(source);
    await commitClaim(at, { source, correlationId: 'c2' }, { action: 'archive', archiveTemplate: 'done/' });
    assert.deepEqual(
      store.writes.map((w) => w.claimStillThere),
      [false],
    );
    assert.ok(await servers().exists(`${dir}/in/done/kept.pdf`));

    const second = await claimed('other.pdf');
    const { site: at2, store: store2, watch } = site(second);
    store2.failSets = true;
    const warnings: string[] = [];
    const result = await commitClaim(at2, { source: second, correlationId: 'c3' }, { action: 'delete', warn: (t) => warnings.push(t) });
    assert.equal(result.disposal.action, 'deleted');
    assert.equal(await servers().exists(second.claimPath), false);
    assert.match(warnings.join('\n'), /Ledger not updated for .*other\.pdf: Values could not be written to the ledger's store: store is read-only/);
    assert.deepEqual(watch.calls, ['close c3', 'release c3']);
  });

  it('a commit that fails (the claimed file is gone) still frees the slot, and writes no ledger entry', async () => {
    const source = await claimed('gone.pdf');
    await servers().remove(source.claimPath);
    const { site: at, store, watch } = site(source);
    await assert.rejects(commitClaim(at, { source, correlationId: 'c4' }, { action: 'archive' }), (err: Error & { code?: string }) => err.code === 'NOT_FOUND');
    assert.deepEqual(watch.calls, ['close c4', 'release c4']);
    assert.deepEqual(store.writes, []);
  });

  it('a commit the server breaks off (CONNECTION) gives the file back to its watch instead of freeing the slot; quarantine then does not move it', async () => {
    const source = await claimed('interrupted.pdf');
    const { site: at, watch } = site(source);
    // A server that went away between the upload and the ack.
    const down = new FileBridgeError('CONNECTION', 'the server closed the connection');
    const gone = new Proxy({}, { get: () => () => Promise.reject(down) }) as SessionPool<RemoteSession>;
    await assert.rejects(commitClaim({ ...at, pool: gone }, { source, correlationId: 'c11' }, { action: 'archive' }), (err: Error) => err === down);
    assert.deepEqual(watch.calls, ['close c11', 'retry c11']);
    assert.ok(await servers().exists(source.claimPath), 'still claimed, for its next delivery');
    // Its Catch node's quarantine asks again: the file goes round, it is not quarantined.
    assert.ok(retryClaim(at, { source, correlationId: 'c11' }, { message: down.message, code: 'CONNECTION' }));
    assert.ok(await servers().exists(source.claimPath));
  });

  it('rollback: moved aside with its report, forgotten in the ledger, slot freed; a one-line text says what and why', async () => {
    const source = await claimed('bad.pdf');
    const { site: at, ledger, watch } = site(source);
    await ledger.record(source, 'left');
    const result = await rollbackClaim(at, { source, correlationId: 'c5' }, { message: 'no vendor', code: 'MAPPING' }, { folder: 'errors' });
    assert.ok(result.path.startsWith(`${dir}/in/errors/`), result.path);
    assert.ok(await servers().exists(result.path));
    assert.equal(await servers().exists(source.claimPath), false);
    const report = JSON.parse((await servers().readFile(result.reportPath)).toString()) as {
      error: { code: string };
      fileMoved: boolean;
      correlationId: string;
    };
    assert.deepEqual([report.error.code, report.fileMoved, report.correlationId], ['MAPPING', true, 'c5']);
    assert.equal(await ledger.has(source), false, 'a corrected file put back must be taken again');
    assert.deepEqual(watch.calls, ['close c5', 'release c5']);
    assert.equal(result.audit.outcome, 'quarantined');
    assert.match(result.text, /^bad\.pdf was quarantined as .*: MAPPING no vendor$/);
  });

  it("retry: a CONNECTION or TIMEOUT failure below the watch's max attempts goes back to the watch, the file stays claimed; other codes and the last attempt do not", async () => {
    const source = await claimed('flaky.pdf');
    const { site: at, watch } = site(source);
    const again = retryClaim(at, { source, correlationId: 'c7' }, { message: 'socket hang up', code: 'CONNECTION' });
    assert.deepEqual([again?.attempt, again?.maxAttempts], [1, 3]);
    assert.match(again?.text ?? '', /^flaky\.pdf is sent again at the watch's next poll \(delivery 2 of 3\) after CONNECTION: socket hang up$/);
    assert.deepEqual(watch.calls, ['retry c7']);
    assert.ok(await servers().exists(source.claimPath), 'still claimed');
    assert.equal(retryClaim(at, { source, correlationId: 'c8' }, { message: 'refused', code: 'CS_REJECTED' }), undefined);
    assert.equal(retryClaim(at, { source: { ...source, attempt: 3 }, correlationId: 'c9' }, { message: 'slow', code: 'TIMEOUT' }), undefined);
    assert.equal(retryClaim({ pool }, { source, correlationId: 'c10' }, { message: 'x', code: 'CONNECTION' }), undefined, 'no running watch');
    assert.deepEqual(watch.calls, ['retry c7']);
  });

  it('rollback whose ledger cannot forget still quarantines the file, and says so', async () => {
    const source = await claimed('stuck.pdf');
    const { site: at, store, ledger } = site(source);
    await ledger.record(source, 'left');
    store.failSets = true;
    const warnings: string[] = [];
    const result = await rollbackClaim(at, { source, correlationId: 'c6' }, { message: 'no vendor', code: 'MAPPING' }, { warn: (t) => warnings.push(t) });
    assert.ok(await servers().exists(result.path));
    assert.match(
      warnings.join('\n'),
      /Ledger could not forget .*stuck\.pdf, so the file put back unchanged may be passed over: Values could not be written to the ledger's store: store is read-only/,
    );
  });

  it('works without a running watch (redeployed away): the file is still disposed of through its server', async () => {
    const source = await claimed('orphan.pdf');
    const result = await commitClaim({ pool }, { source }, { action: 'delete' });
    assert.equal(result.disposal.action, 'deleted');
    assert.equal(await servers().exists(source.claimPath), false);
  });

  it('a message without usable source facts is refused with what to fix', () => {
    assert.throws(() => claimedFileOf({ source: { name: 'x.pdf' } }), /msg\.filebridge\.source is missing or incomplete/);
    assert.deepEqual(
      claimedFileOf({
        source: { server: 's', protocol: 'ftp', folder: '/f', path: '/f/a', relativePath: 'a', name: 'a', claimPath: '/f/.filebridge/processing/c' },
        correlationId: 7,
      }).correlationId,
      undefined,
    );
  });
});
