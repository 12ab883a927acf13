/*
 * The change-following capability of Dropbox sessions (src/core/dropbox/folder-changes.ts) against
 * the Dropbox simulator: a full listing, then the changes since the cursor in order; a dead cursor
 * lists in full again with `reset`; the long-poll without Authorization, its timeout, abort and backoff.
 */
import { strict as assert } from 'node:assert';
import '../../../../src/core/dropbox/folder-changes';
import { openDropboxSession, type DropboxSession } from '../../../../src/core/dropbox/session';
import type { FolderChanges } from '../../../../src/core/remote/types';
import { freshFolder, rpc, useDropboxSim } from '../../../support/dropbox-sim';

const shown = (c: FolderChanges): string[] => c.entries.map((e) => `${e.type} ${e.path}`);

describe('Dropbox folder changes (list_folder cursors and long-poll) against the simulator', function () {
  this.timeout(60_000);
  const used = useDropboxSim();
  let session: DropboxSession;

  before(async () => {
    session = await openDropboxSession({ appKey: used.sim.appKey, refreshToken: used.sim.refreshToken, serviceUrl: used.sim.url });
  });
  after(async () => {
    await session?.close();
  });

  it('lists in full, then reports only what changed since the cursor, in order, with paths under the folder as given', async () => {
    const folder = await freshFolder(used);
    await used.sim.putFile(`${folder}/Sub/a.pdf`, 'a');
    // The folder in another case than Dropbox spells it: paths keep the folder as given.
    const given = folder.toUpperCase();
    const first = await session.changes(given, undefined, { recursive: true });
    assert.equal(first.full, true);
    assert.equal(first.reset, false);
    assert.equal(first.ignoreCase, true);
    assert.deepEqual(shown(first).sort(), [`directory ${given}/Sub`, `file ${given}/Sub/a.pdf`]);
    const a = first.entries.find((e) => e.type === 'file');
    assert.ok(a && a.type === 'file');
    assert.equal(a.contentHash, used.sim.entry(`${folder}/Sub/a.pdf`)?.content_hash);
    assert.match(a.id ?? '', /^id:/);

    const quiet = await session.changes(given, first.cursor, { recursive: true });
    assert.deepEqual(quiet.entries, [], 'nothing changed');
    assert.equal(quiet.full, false);

    await used.sim.putFile(`${folder}/b.pdf`, 'b');
    const moved = await rpc(used.sim, 'files/move_v2', { from_path: `${folder}/Sub/a.pdf`, to_path: `${folder}/a-moved.pdf` }, { token: used.token });
    assert.equal(moved.status, 200, moved.text);
    const next = await session.changes(given, quiet.cursor, { recursive: true });
    assert.equal(next.full, false);
    assert.deepEqual(shown(next), [`file ${given}/b.pdf`, `deleted ${given}/Sub/a.pdf`, `file ${given}/a-moved.pdf`]);
    const movedEntry = next.entries.find((e) => e.path.endsWith('a-moved.pdf'));
    assert.equal(movedEntry && movedEntry.type === 'file' ? movedEntry.id : undefined, a.id, 'a move keeps the id');

    const flat = await session.changes(given, undefined, { recursive: false });
    assert.deepEqual(
      shown(flat).sort(),
      [`directory ${given}/Sub`, `file ${given}/a-moved.pdf`, `file ${given}/b.pdf`],
      'not recursive: the folder itself only',
    );
  });

  it('a cursor Dropbox gave up (reset) lists in full again and says so', async () => {
    const folder = await freshFolder(used);
    await used.sim.putFile(`${folder}/a.pdf`, 'a');
    const first = await session.changes(folder, undefined, { recursive: false });
    used.sim.resetCursors();
    const again = await session.changes(folder, first.cursor, { recursive: false });
    assert.equal(again.reset, true);
    assert.equal(again.full, true);
    assert.deepEqual(shown(again), [`file ${folder}/a.pdf`]);
    const after = await session.changes(folder, again.cursor, { recursive: false });
    assert.equal(after.reset, false, 'the new cursor works');
    // The long-poll on a dead cursor answers at once: there is something to do.
    assert.equal(await session.waitForChanges(first.cursor, 30), true);
  });

  it('long-poll: false when the wait ran out, true on a change, false at once when aborted; a backoff is waited out', async () => {
    const folder = await freshFolder(used);
    const { cursor } = await session.changes(folder, undefined, { recursive: false });
    used.sim.setFaults({ longpollCapMs: 300 });
    const longpolls = used.sim.stats().longpolls;
    assert.equal(await session.waitForChanges(cursor, 30), false, 'no change within the (capped) wait');
    assert.equal(used.sim.stats().longpolls, longpolls + 1, 'sent to the notify route, without Authorization (the simulator refuses one)');

    used.sim.setFaults({ longpollCapMs: 0 });
    const waiting = session.waitForChanges(cursor, 30);
    await new Promise((r) => setTimeout(r, 200));
    await used.sim.putFile(`${folder}/new.pdf`, 'new');
    assert.equal(await waiting, true);

    const quiet = (await session.changes(folder, cursor, { recursive: false })).cursor;
    const controller = new AbortController();
    const began = Date.now();
    const aborted = session.waitForChanges(quiet, 30, controller.signal);
    setTimeout(() => controller.abort(), 200);
    assert.equal(await aborted, false);
    assert.ok(Date.now() - began < 2000, `aborted after ${Date.now() - began} ms`);

    used.sim.setFaults({ longpollBackoffSeconds: 2 });
    const before = Date.now();
    await used.sim.putFile(`${folder}/other.pdf`, 'other');
    assert.equal(await session.waitForChanges(quiet, 30), true);
    assert.ok(Date.now() - before >= 1900, `the 2 s backoff was waited out (${Date.now() - before} ms)`);
  });
});
