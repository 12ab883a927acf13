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
      // where_name is the whole name; contains_ and startswith_ match a part (pyxecm get_workspace_by_type_and_name).
      const found = await call(sim, 'GET', '/v2/businessworkspaces?where_workspace_type_id=10&where_name=contains_acme&expanded_view=true', { ticket });
      assert.equal((found.json?.results as unknown[]).length, 1);
      assert.equal((found.json?.paging as { total_count: number }).total_count, 1);
      assert.equal(found.json?.collection, undefined);
      const whole = await call(sim, 'GET', `/v2/businessworkspaces?where_name=${encodeURIComponent('acme corp (0000100042)')}`, { ticket });
      const wsProps = (whole.json?.results as { data: { properties: Record<string, unknown> } }[]).map((r) => r.data.properties);
      assert.deepEqual(
        wsProps.map((p) => [p.id, p.wnf_wksp_type_id, p.wnf_wksp_template_id, p.wksp_type_name]),
        [[id, 10, 3001, 'Customer']],
      );
      assert.deepEqual((await call(sim, 'GET', '/v2/businessworkspaces?where_name=acme', { ticket })).json?.results, [], 'a part of a name is no name');
      assert.equal(((await call(sim, 'GET', '/v2/businessworkspaces?where_name=startswith_ACME', { ticket })).json?.results as unknown[]).length, 1);
      // A business object's workspace comes as a list with paging at the top (pyxecm get_workspace_by_business_object).
      const byBo = await call(sim, 'GET', '/v2/externalsystems/SAP/botypes/KNA1/boids/0000100042', { ticket });
      const boRows = byBo.json?.results as { data: { properties: { id: number } } }[];
      assert.ok(Array.isArray(boRows));
      assert.deepEqual(
        boRows.map((r) => r.data.properties.id),
        [id],
      );
      assert.equal((byBo.json?.paging as { total_count: number }).total_count, 1);
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
      // results is an object with data_packages, permissions, step_list and wf_details (pyxecm get_workflow_status).
      const status = await call(sim, 'GET', `/v2/workflows/status/processes/${results.process_id}`, { ticket });
      assert.equal(status.status, 200);
      const st = status.json?.results as Record<string, unknown>;
      assert.deepEqual(Object.keys(st).sort(), ['data_packages', 'permissions', 'step_list', 'wf_details']);
      const details = st.wf_details as { status: string; wf_name: string; work_workID: number; initiator: { loginName: string } };
      assert.deepEqual(
        [details.status, details.wf_name, details.work_workID, details.initiator.loginName],
        ['ontime', 'Invoice Approval', results.process_id, 'Admin'],
      );
      assert.deepEqual(Object.keys(st.step_list as object), ['completed', 'current', 'next']);
      assert.equal((await call(sim, 'POST', '/v2/draftprocesses/startwf', { ticket, form: { workflow_id: '2200', doc_ids: String(a) } })).status, 500);
      assert.equal((await call(sim, 'POST', '/v2/draftprocesses/startwf', { ticket, form: { workflow_id: '2401', doc_ids: '99999999' } })).status, 500);
    });

    it('filters workspaces by type name, which matches the start of the name (pyxecm get_workspace_instances)', async function () {
      const byType = await call(sim, 'GET', '/v2/businessworkspaces?where_workspace_type_name=Cust&expanded_view=true', { ticket });
      const names = (byType.json?.results as { data: { properties: { name: string } } }[]).map((r) => r.data.properties.name);
      assert.ok(names.includes('Initech (0000100010)') && names.includes('Umbrella Corp (0000100020)'), names.join());
      assert.deepEqual((await call(sim, 'GET', '/v2/businessworkspaces?where_workspace_type_name=Vendor', { ticket })).json?.results, []);
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
