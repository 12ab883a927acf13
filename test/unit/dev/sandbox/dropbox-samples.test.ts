import { strict as assert } from 'node:assert';
import picomatch from 'picomatch';
import { dropboxProducers, dropboxSamplePath, dropboxWatchedFolders } from '../../../../dev/sandbox/dropbox-samples';
import type { FlowNode, PreparedExample } from '../../../../dev/sandbox/flows';
import { watchedFolders } from '../../../../dev/sandbox/samples';

function example(name: string, nodes: FlowNode[], disabledBecause?: string): PreparedExample {
  return { name, prefix: 'p-', tabId: 't', tabLabel: name, disabledBecause, nodes };
}

describe('sandbox sample files for watched Dropbox folders', () => {
  const date = new Date(2026, 11, 7, 2, 3, 4);

  it("finds the Dropbox watches (personal or team space, copy mode) and leaves them out of the local servers' folders", () => {
    const examples = [
      example('dbx-cs-01 Finalized', [
        { id: 's', type: 'filebridge-server', protocol: 'dropbox', teamRoot: false },
        { id: 'w', type: 'filebridge-watch', server: 's', folder: '/Clients/', include: '*/Final/*.pdf', recursive: true },
        { id: 'a', type: 'filebridge-ack', action: 'leave' },
      ]),
      example('dbx-cs-03 Team', [
        { id: 's', type: 'filebridge-server', protocol: 'dropbox', teamRoot: true },
        { id: 'w', type: 'filebridge-watch', server: 's', folder: 'Projects', include: '*/*/*', recursive: true },
        { id: 'a', type: 'filebridge-ack', action: 'move' },
      ]),
      example(
        'dbx-cs-09 Off',
        [
          { id: 's', type: 'filebridge-server', protocol: 'dropbox' },
          { id: 'w', type: 'filebridge-watch', server: 's', folder: '/Off' },
        ],
        'Dropbox: none',
      ),
      example('ftp-cs-01 Partner', [
        { id: 's', type: 'filebridge-server', protocol: 'ftp' },
        { id: 'w', type: 'filebridge-watch', server: 's', folder: 'partners/in', include: '*.pdf' },
      ]),
    ];
    const dbx = dropboxWatchedFolders(examples);
    assert.deepEqual(
      dbx.map((w) => [w.folder, w.include, w.recursive, w.root, w.leavesFiles, w.example]),
      [
        ['/Clients', '*/Final/*.pdf', true, 'home', true, 'dbx-cs-01'],
        ['/Projects', '*/*/*', true, 'team', false, 'dbx-cs-03'],
      ],
    );
    assert.deepEqual(
      watchedFolders(examples).map((w) => w.folder),
      ['partners/in'],
      "a Dropbox folder is not created in the servers' home",
    );
  });

  it('names a sample the include glob accepts, folders of the glob included, for examples without a producer of their own', () => {
    const cases: [string, boolean][] = [
      ['*/Final/*.pdf', true],
      ['*.pdf, *.docx', false],
      ['INV_*.pdf', false],
      ['**/*.csv', true],
      ['', false],
    ];
    for (const [glob, recursive] of cases) {
      const path = dropboxSamplePath(glob, recursive, 7, date);
      assert.ok(path, `no sample for "${glob}"`);
      const first = glob.split(',')[0].trim();
      if (first !== '') assert.ok(picomatch(first)(path), `${path} does not match ${first}`);
    }
    assert.equal(dropboxSamplePath('*/Final/*.pdf', false, 1, date), undefined, 'a folder the watch does not look into');
    assert.equal(dropboxSamplePath('report.pdf', false, 1, date), undefined, 'a fixed name would only make versions of one file');
    assert.notEqual(dropboxSamplePath('*.pdf', false, 1, date), dropboxSamplePath('*.pdf', false, 2, date));
  });

  it("the examples' producers write names their validate patterns accept", () => {
    const producers = dropboxProducers();
    const w = { folder: '/x', include: '', recursive: true, root: 'home' as const, leavesFiles: false, nodes: [] };
    const patterns: Record<string, RegExp> = {
      // The validate nodes' patterns of examples/dbx-cs-0N (name only) and the folders their map-metadata reads.
      'dbx-cs-01': /^[^/]+\/Final\/C-\d{4}-\d{3}_.+\.pdf$/,
      'dbx-cs-03': /^(Quality|Finance)\/[^/]+\/.+_\d{4}-\d{2}\.(pdf|xlsx|csv)$/,
      'dbx-cs-04': /^INV_[A-Z0-9]+_\d{4}-\d{2}-\d{2}_[A-Za-z0-9-]+\.pdf$/,
      'dbx-cs-06': /^[^/]+\/.+\.pdf$/,
      'dbx-cs-07': /^(ACME|Globex)\/[^/]+\.(pdf|docx)$/,
    };
    for (const [id, re] of Object.entries(patterns)) {
      for (let n = 1; n <= 4; n++) {
        const files = producers[id].next(n, date, w);
        assert.ok(files.length > 0 || (id === 'dbx-cs-06' && n > 1), `${id} arrival ${n}`);
        for (const f of files) assert.match(f.path, re, id);
      }
    }
  });
});
