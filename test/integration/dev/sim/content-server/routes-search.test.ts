/**
 * Simulator endpoints beyond nodes: the search subset (routes-search.ts).
 */
import assert from 'node:assert/strict';
import type { ContentServerSim } from '../../../../../dev/sim/content-server';
import { call, createFolder, fileForm, items, startLoggedIn } from '../../../../support/simulator-http';

describe('Content Server simulator: search routes', function () {
  let sim: ContentServerSim;
  let ticket: string;
  const newFolder = (parent?: number): Promise<number> => createFolder(sim, ticket, parent);

  before(async function () {
    ({ sim, ticket } = await startLoggedIn({ largeFile: { partSize: 1024 * 1024, minSize: 1 } }));
  });
  after(async function () {
    await sim.stop();
  });

  describe('search subset', function () {
    it('finds by name wildcard, subtype and location, sorted by date, paged', async function () {
      const folder = await newFolder();
      for (const name of ['Contract 2026-01.pdf', 'contract-draft.docx', 'Invoice 17.pdf']) {
        await call(sim, 'POST', '/v2/nodes', { ticket, multipart: fileForm({ type: '144', parent_id: String(folder), name }, name, name) });
      }
      await call(sim, 'POST', '/v2/nodes', { ticket, form: { type: '0', parent_id: String(folder), name: 'Contracts' } });
      const names = async (form: Record<string, string>): Promise<string[]> => {
        const a = await call(sim, 'POST', '/v2/search', { ticket, form });
        assert.equal(a.status, 200, a.text);
        return items(a).map((p) => String(p.name));
      };
      assert.deepEqual(await names({ where: `OTName:contract* AND OTSubType:144 AND OTLocation:${folder}`, sort: 'asc_OTName' }), [
        'Contract 2026-01.pdf',
        'contract-draft.docx',
      ]);
      assert.deepEqual(await names({ where: 'OTSubType:0', location_id1: String(folder) }), ['Contracts']);
      // lookfor values are case-insensitive: pyxecm sends complexQuery.
      assert.deepEqual(await names({ where: 'OTSubType:0', location_id1: String(folder), lookfor: 'complexQuery' }), ['Contracts']);
      assert.equal((await call(sim, 'POST', '/v2/search', { ticket, form: { where: 'x', lookfor: 'everything' } })).status, 400);
      assert.deepEqual(await names({ where: `invoice OR OTName:contracts`, location_id1: String(folder), sort: 'asc_OTName' }), [
        'Contracts',
        'Invoice 17.pdf',
      ]);
      const today = new Date().toISOString().slice(0, 10).replace(/-/g, '');
      assert.equal((await names({ where: `OTObjectDate:>=${today}`, location_id1: String(folder) })).length, 4);
      const paged = await call(sim, 'POST', '/v2/search', {
        ticket,
        form: { where: `OTLocation:${folder}`, limit: '3', page: '2', sort: 'desc_OTObjectDate' },
      });
      assert.equal(items(paged).length, 1);
      assert.equal((paged.json?.collection as { paging: { total_count: number } }).paging.total_count, 4);
      const noWhere = await call(sim, 'POST', '/v2/search', { ticket, form: {} });
      assert.equal(noWhere.status, 500);
      assert.deepEqual(noWhere.json, { error: 'Argument where is required' });
      assert.equal((await call(sim, 'POST', '/v2/search', { ticket, form: { where: 'OTMagic:1' } })).status, 500);
    });

    it('does not see fresh items while the index lags', async function () {
      const folder = await newFolder();
      sim.setFaults({ searchLagMs: 60000 });
      try {
        await call(sim, 'POST', '/v2/nodes', { ticket, form: { type: '0', parent_id: String(folder), name: 'Fresh' } });
        const a = await call(sim, 'POST', '/v2/search', { ticket, form: { where: 'OTName:Fresh', location_id1: String(folder) } });
        assert.deepEqual(items(a), []);
      } finally {
        sim.setFaults({ searchLagMs: 0 });
      }
      const b = await call(sim, 'POST', '/v2/search', { ticket, form: { where: 'OTName:Fresh', location_id1: String(folder) } });
      assert.equal(items(b).length, 1);
    });
  });
});
