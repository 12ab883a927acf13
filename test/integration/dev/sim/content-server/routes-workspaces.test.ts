/**
 * Simulator endpoints beyond nodes: business workspaces and workflows (routes-workspaces.ts).
 */
import assert from 'node:assert/strict';
import type { ContentServerSim } from '../../../../../dev/sim/content-server';
import { body, call, createDoc, fileForm, props, simGet, startLoggedIn } from '../../../../support/simulator-http';

describe('Content Server simulator: workspace and workflow routes', function () {
  let sim: ContentServerSim;
  let ticket: string;
  const newDoc = (parent?: number): Promise<number> => createDoc(sim, ticket, parent);

  before(async function () {
    ({ sim, ticket } = await startLoggedIn({ largeFile: { partSize: 1024 * 1024, minSize: 1 } }));
  });
  after(async function () {
    await sim.stop();
  });

  describe('business workspaces', function () {
    it('creates a workspace from a template, renames it by the naming rule, finds it by search and business object', async function () {
      const create = await call(sim, 'POST', '/v2/businessworkspaces', {
        ticket,
        form: body({
          template_id: 3001,
          wksp_type_id: 10,
          type: 848,
          name: 'ACME Corp',
          bo_id: '0000100042',
          roles: { categories: { '9840': { '9840_2': 'C-42' } } },
        }),
      });
      assert.equal(create.status, 200, create.text);
      const id = Number((create.json?.results as { id: number }).id);
      const node = props(await call(sim, 'GET', `/v2/nodes/${id}`, { ticket }));
      assert.equal(node.name, 'ACME Corp (0000100042)');
      assert.equal(node.type, 848);
      assert.equal(node.parent_id, 2450);
      const found = await call(sim, 'GET', '/v2/businessworkspaces?where_workspace_type_id=10&where_name=acme&expanded_view=true', { ticket });
      assert.equal((found.json?.results as unknown[]).length, 1);
      assert.equal((found.json?.paging as { total_count: number }).total_count, 1);
      assert.equal(found.json?.collection, undefined);
      const byBo = await call(sim, 'GET', '/v2/externalsystems/SAP/botypes/KNA1/boids/0000100042', { ticket });
      assert.equal(props(byBo).id, id);
      assert.equal((await call(sim, 'GET', '/v2/externalsystems/SAP/botypes/KNA1/boids/nope', { ticket })).status, 400);
      const dup = await call(sim, 'POST', '/v2/businessworkspaces', {
        ticket,
        form: body({ template_id: 3001, wksp_type_id: 10, type: 848, name: 'Other', bo_id: '0000100042' }),
      });
      assert.equal(dup.status, 500);
      const badTemplate = await call(sim, 'POST', '/v2/businessworkspaces', { ticket, form: body({ template_id: 1, wksp_type_id: 10, type: 848, name: 'X' }) });
      assert.equal(badTemplate.status, 500);
      const flatCats = await call(sim, 'POST', '/v2/businessworkspaces', {
        ticket,
        form: body({ template_id: 3001, wksp_type_id: 10, type: 848, name: 'Flat', bo_id: '7', roles: { categories: { '9840_2': 'C-7' } } }),
      });
      assert.equal(flatCats.status, 500, 'workspace categories are nested by category id');
      const filed = await call(sim, 'POST', '/v2/nodes', {
        ticket,
        multipart: fileForm({ type: '144', parent_id: String(id), name: 'contract.pdf' }, 'c', 'c.pdf'),
      });
      assert.equal(filed.status, 200, 'documents are filed into a workspace with the ordinary call');
    });
  });

  describe('workflows', function () {
    it('starts a workflow with attached documents in one call and records it', async function () {
      const a = await newDoc();
      const b = await newDoc();
      const start = await call(sim, 'POST', '/v2/draftprocesses/startwf', { ticket, form: { workflow_id: '2401', doc_ids: `${a},${b}` } });
      assert.equal(start.status, 200, start.text);
      const results = start.json?.results as { custom_message: null; process_id: number };
      assert.equal(results.custom_message, null);
      assert.equal(typeof results.process_id, 'number');
      const records = (await simGet(sim, '/__sim/records')) as { processes: { process_id: number; workflow_id: number; doc_ids: number[] }[] };
      assert.deepEqual(records.processes.find((p) => p.process_id === results.process_id)?.doc_ids, [a, b]);
      const status = await call(sim, 'GET', `/v2/workflows/status/processes/${results.process_id}`, { ticket });
      assert.equal(status.status, 200);
      assert.equal((await call(sim, 'POST', '/v2/draftprocesses/startwf', { ticket, form: { workflow_id: '2200', doc_ids: String(a) } })).status, 500);
      assert.equal((await call(sim, 'POST', '/v2/draftprocesses/startwf', { ticket, form: { workflow_id: '2401', doc_ids: '99999999' } })).status, 500);
    });

    it('starts through a draft with a comment', async function () {
      const a = await newDoc();
      const draft = await call(sim, 'POST', '/v2/draftprocesses', { ticket, form: { workflow_id: '2401', doc_ids: String(a) } });
      const draftId = (draft.json?.results as { draftprocess_id: number }).draftprocess_id;
      const init = await call(sim, 'PUT', `/v2/draftprocesses/${draftId}`, { ticket, form: body({ action: 'Initiate', comment: 'please approve' }) });
      assert.equal(init.status, 200, init.text);
      const pid = (init.json?.results as { process_id: number }).process_id;
      const records = (await simGet(sim, '/__sim/records')) as { processes: { process_id: number; comment: string }[] };
      assert.equal(records.processes.find((p) => p.process_id === pid)?.comment, 'please approve');
    });
  });
});
