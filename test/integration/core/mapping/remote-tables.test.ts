import { strict as assert } from 'node:assert';
import { FileBridgeError } from '../../../../src/core/errors';
import { buildTarget, compileMapping, remoteFilesFromPool, TableCache, type MappingRule, type RemoteFiles } from '../../../../src/core/mapping';
import { createPool } from '../../../../src/core/remote/connect';
import type { SessionPool } from '../../../../src/core/remote/session-pool';
import type { Protocol, RemoteSession } from '../../../../src/core/remote/types';
import { servers } from '../../../support/dev-servers';
import { optionsFor } from '../../../support/server-options';

/** Counts downloads, to show the cache re-reads a manifest only when it changed. */
function counting(files: RemoteFiles): RemoteFiles & { reads: number } {
  const wrapped = {
    reads: 0,
    stat: (path: string) => files.stat(path),
    read: (path: string, max: number) => {
      wrapped.reads++;
      return files.read(path, max);
    },
  };
  return wrapped;
}

function message(relativePath: string, fields: Record<string, unknown>): Record<string, unknown> {
  const name = relativePath.split('/').pop()!;
  return {
    filename: name,
    filebridge: { source: { folder: 'lookup', path: `lookup/${relativePath}`, relativePath, name, mtime: new Date().toISOString() }, fields },
  };
}

for (const protocol of ['sftp', 'ftp'] as Protocol[]) {
  describe(`map-metadata core: lookup tables read from the real ${protocol} server`, function () {
    this.timeout(60_000);
    const dir = `mapping-${protocol}`;
    let pool: SessionPool<RemoteSession>;

    before(async () => {
      await servers().startAll();
      await servers().remove(dir);
      await servers().mkdirp(dir);
      pool = createPool(optionsFor(protocol), { size: 2, connectRetries: 1, backoffBaseMs: 50 });
    });
    after(async () => {
      await pool.close();
      await servers().remove(dir);
    });

    it('a CSV manifest on the server: looked up, cached while unchanged, re-read after it changed', async () => {
      await servers().writeFile(`${dir}/manifest.csv`, 'file,title,class\nold/a.pdf,Contract A,Legal/Contracts\nold/b.pdf,Contract B,Legal/NDAs\n');
      const files = counting(remoteFilesFromPool(pool));
      const cache = new TableCache();
      const mapping = compileMapping({
        tables: [{ name: 'manifest', from: 'remote', value: `${dir}/manifest.csv`, key: 'file' }],
        rules: [
          { field: 'description', kind: 'lookup', value: '{source.relativePath}', option: 'title', required: true },
          { field: 'classification', kind: 'lookup', value: 'source.relativePath', option: 'class', required: true },
        ],
      });
      const first = await buildTarget(mapping, message('old/a.pdf', {}), { remote: files, cache });
      assert.deepEqual(first.target, { description: 'Contract A', classification: 'Legal/Contracts' });
      const second = await buildTarget(mapping, message('old/b.pdf', {}), { remote: files, cache });
      assert.deepEqual(second.target, { description: 'Contract B', classification: 'Legal/NDAs' });
      assert.equal(files.reads, 1, 'an unchanged manifest is downloaded once');

      await servers().writeFile(`${dir}/manifest.csv`, 'file,title,class\nold/a.pdf,Contract A (signed),Legal/Contracts\n');
      const third = await buildTarget(mapping, message('old/a.pdf', {}), { remote: files, cache });
      assert.equal(third.target.description, 'Contract A (signed)');
      assert.equal(files.reads, 2);
      await assert.rejects(
        buildTarget(mapping, message('old/b.pdf', {}), { remote: files, cache }),
        (err: unknown) => err instanceof FileBridgeError && err.code === 'MAPPING' && /no row with key "old\/b\.pdf"/.test(err.message),
      );
    });

    it('a JSON side-car beside the file, found through a path template; a missing side-car names the file', async () => {
      await servers().writeFile(`${dir}/in/RPT_QM_2026-10.pdf.json`, JSON.stringify({ reportType: 'QM', period: '2026-10', approved: 'yes' }));
      const rules: MappingRule[] = [
        { field: 'categories.Report.Type', kind: 'lookup', value: '', option: 'reportType', required: true },
        { field: 'categories.Report.Approved', kind: 'lookup', value: '', option: 'approved', type: 'boolean' },
      ];
      const mapping = compileMapping({ tables: [{ name: 'sidecar', from: 'remote', value: `${dir}/in/{name}.json` }], rules });
      const deps = { remote: remoteFilesFromPool(pool), cache: new TableCache() };
      const { target } = await buildTarget(mapping, message('RPT_QM_2026-10.pdf', {}), deps);
      assert.deepEqual(target, { categories: { Report: { Type: 'QM', Approved: true } } });
      await assert.rejects(
        buildTarget(mapping, message('RPT_QM_2026-11.pdf', {}), deps),
        (err: unknown) =>
          err instanceof FileBridgeError &&
          err.code === 'MAPPING' &&
          /categories\.Report\.Type \(the lookup table file mapping-\w+\/in\/RPT_QM_2026-11\.pdf\.json does not exist\)/.test(err.message),
      );
    });
  });
}
