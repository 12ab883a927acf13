import { strict as assert } from 'node:assert';
import { FolderView, inboxOf, relevantChanges, type InboxRules } from '../../../../src/core/pipeline/folder-view';
import type { FolderChanges, RemoteEntry, RemovedEntry } from '../../../../src/core/remote/types';

const T = new Date('2026-12-01T10:00:00Z');

function file(path: string, extra: Partial<RemoteEntry> = {}): RemoteEntry {
  return { name: path.slice(path.lastIndexOf('/') + 1), path, type: 'file', size: 3, mtime: T, mtimePrecision: 'second', ...extra };
}
function folder(path: string): RemoteEntry {
  return { ...file(path), type: 'directory', size: 0 };
}
function gone(path: string): RemovedEntry {
  return { type: 'deleted', name: path.slice(path.lastIndexOf('/') + 1), path };
}
function full(entries: FolderChanges['entries'], cursor = 'c1', reset = false): FolderChanges {
  return { entries, cursor, full: true, reset, ignoreCase: true };
}
function delta(entries: FolderChanges['entries'], cursor = 'c2'): FolderChanges {
  return { entries, cursor, full: false, reset: false, ignoreCase: true };
}
const paths = (view: FolderView): string[] =>
  view
    .entries()
    .map((e) => e.path)
    .sort();

describe('pipeline: folder view (following a remote folder by its changes)', () => {
  it('a full listing, then changes: added, changed, removed in order, removed folders take their files along', () => {
    const view = new FolderView();
    view.apply(full([file('/In/a.pdf'), folder('/In/sub'), file('/In/sub/b.pdf'), file('/In/sub/deep/c.pdf')]));
    assert.deepEqual(paths(view), ['/In/a.pdf', '/In/sub/b.pdf', '/In/sub/deep/c.pdf']);
    view.apply(delta([file('/In/a.pdf', { size: 9, contentHash: 'h2' }), file('/In/new.pdf'), gone('/In/sub')]));
    assert.deepEqual(paths(view), ['/In/a.pdf', '/In/new.pdf'], 'a removed folder takes everything below it, also a file below a folder never listed itself');
    assert.equal(view.entries().find((e) => e.path === '/In/a.pdf')!.size, 9, 'a changed file comes with its new facts');
    view.apply(delta([gone('/In/new.pdf'), file('/In/new.pdf', { size: 5 })]));
    assert.deepEqual(
      view.entries().map((e) => [e.path, e.size]),
      [
        ['/In/a.pdf', 9],
        ['/In/new.pdf', 5],
      ],
      'removed then made again, in that order: it is there',
    );
    view.apply(delta([file('/In/x.pdf'), gone('/In/x.pdf')]));
    assert.equal(paths(view).includes('/In/x.pdf'), false, 'made then removed, in that order: it is gone');
    view.apply(delta([file('/In/f/one.pdf'), file('/In/f/two/three.pdf'), folder('/In/f')]));
    assert.equal(paths(view).filter((p) => p.startsWith('/In/f/')).length, 2, 'a folder entry leaves the children as they are');
    view.apply(delta([file('/In/f', { size: 1 })]));
    assert.deepEqual(
      paths(view).filter((p) => p.startsWith('/In/f')),
      ['/In/f'],
      'a file where a folder was: the folder and its files are gone',
    );
  });

  it('ignores case where the remote does (Dropbox): a removal in other case removes the file', () => {
    const view = new FolderView();
    view.apply(full([file('/In/Report.PDF')]));
    view.apply(delta([gone('/in/report.pdf')]));
    assert.equal(view.size, 0);
    const exact = new FolderView();
    exact.apply({ ...full([file('/In/Report.PDF')]), ignoreCase: false });
    exact.apply({ ...delta([gone('/in/report.pdf')]), ignoreCase: false });
    assert.equal(exact.size, 1, 'a case-sensitive remote: another path');
  });

  it('a full listing (first poll, or after a reset) replaces the whole picture', () => {
    const view = new FolderView();
    view.apply(full([file('/In/a.pdf'), file('/In/b.pdf')]));
    view.apply(full([file('/In/c.pdf')], 'c9', true));
    assert.deepEqual(paths(view), ['/In/c.pdf']);
  });

  it('a file the watch claimed leaves the picture at once; its later removal is harmless', () => {
    const view = new FolderView();
    view.apply(full([file('/In/a.pdf'), file('/In/b.pdf')]));
    view.remove('/in/A.pdf');
    assert.deepEqual(paths(view), ['/In/b.pdf']);
    view.apply(delta([gone('/In/a.pdf'), file('/In/.filebridge/processing/a.pdf')]));
    assert.deepEqual(paths(view), ['/In/.filebridge/processing/a.pdf', '/In/b.pdf']);
  });

  describe('inbox of a picture', () => {
    const rules: InboxRules = { folder: '/In', recursive: true, includeDotFiles: false, skip: new Set(['.filebridge', 'claims']), ignoreCase: true };
    const entries = [
      file('/In/a.pdf'),
      file('/In/.hidden.pdf'),
      file('/In/.filebridge/processing/x.pdf'),
      file('/In/Claims/y.pdf'),
      file('/In/sub/b.pdf'),
      file('/In/sub/deep/c.pdf'),
      file('/In/.dot/d.pdf'),
      file('/Elsewhere/e.pdf'),
      file('/In/sub/..'),
    ];

    it('takes what a listing walk would: depth, dot names, work folders; paths are the watched folder plus the relative path', () => {
      const refused: string[] = [];
      const all = inboxOf(entries, rules, (path) => refused.push(path));
      assert.deepEqual(
        all.map((e) => [e.relativePath, e.path, e.name]),
        [
          ['a.pdf', '/In/a.pdf', 'a.pdf'],
          ['sub/b.pdf', '/In/sub/b.pdf', 'b.pdf'],
          ['sub/deep/c.pdf', '/In/sub/deep/c.pdf', 'c.pdf'],
        ],
      );
      assert.deepEqual(refused, ['/Elsewhere/e.pdf', '/In/sub/..'], 'outside the folder, or a name no entry can have');
      assert.deepEqual(
        inboxOf(entries, { ...rules, maxDepth: 1 }, () => undefined).map((e) => e.relativePath),
        ['a.pdf', 'sub/b.pdf'],
      );
      assert.deepEqual(
        inboxOf(entries, { ...rules, recursive: false }, () => undefined).map((e) => e.relativePath),
        ['a.pdf'],
      );
      assert.deepEqual(
        inboxOf(entries, { ...rules, includeDotFiles: true }, () => undefined).map((e) => e.relativePath),
        ['a.pdf', '.hidden.pdf', 'sub/b.pdf', 'sub/deep/c.pdf', '.dot/d.pdf'],
        'dot names on request, never the work folders',
      );
    });

    it('a picture keeps only what the watch can take: never its claim folder, an archive below it, or trees it does not descend into', () => {
      const view = new FolderView();
      const changes = full([
        ...entries,
        folder('/In/.filebridge'),
        folder('/In/.filebridge/archive'),
        file('/In/.filebridge/archive/2026/old.pdf'),
        folder('/In/sub'),
        folder('/In/sub/deep'),
      ]);
      view.apply(relevantChanges(changes, { ...rules, maxDepth: 1 }));
      assert.deepEqual(paths(view), ['/Elsewhere/e.pdf', '/In/a.pdf', '/In/sub/..', '/In/sub/b.pdf'], 'what cannot be in the folder stays, to be told');
      view.apply(relevantChanges(delta([gone('/In/sub'), file('/In/.filebridge/processing/a.pdf')]), rules));
      assert.deepEqual(paths(view), ['/Elsewhere/e.pdf', '/In/a.pdf'], 'removals always count');
    });

    it('the watched folder in another case than the remote spells it (Dropbox), and the root folder', () => {
      const listed = inboxOf([file('/IN/Sub/b.pdf')], { ...rules, folder: '/in' }, () => undefined);
      assert.deepEqual(
        listed.map((e) => [e.path, e.relativePath]),
        [['/in/Sub/b.pdf', 'Sub/b.pdf']],
      );
      assert.deepEqual(
        inboxOf([file('/IN/Sub/b.pdf')], { ...rules, folder: '/in', ignoreCase: false }, () => undefined),
        [],
        'a case-sensitive remote: another folder',
      );
      assert.deepEqual(
        inboxOf([file('/a.pdf'), file('/x/b.pdf')], { ...rules, folder: '/' }, () => undefined).map((e) => e.path),
        ['/a.pdf', '/x/b.pdf'],
      );
    });
  });
});
