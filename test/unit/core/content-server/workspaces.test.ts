/**
 * Business workspace and workflow reads of the client (workspaces.ts), fed answers in the shape a real
 * Content Server gives, written from the examples OpenText's own client documents (pyxecm
 * `OTCS.get_workspace_by_business_object`, `get_workspace_by_type_and_name`, `create_workspace`,
 * `create_draft_process`, `initiate_draft_process`, `get_workflow_status`); ids and names are our own.
 */
import assert from 'node:assert/strict';
import { recordedServer, v2One, type RecordedRequest, type RecordedServer } from '../../../support/recorded-cs';

function workspace(id: number, name: string): Record<string, unknown> {
  return {
    data: {
      properties: {
        volume_id: -2000,
        id,
        parent_id: 4400,
        owner_user_id: 1000,
        name,
        type: 848,
        type_name: 'Business Workspace',
        description: '',
        create_date: '2026-01-05T18:00:37',
        modify_date: '2026-01-05T18:00:44',
        container: true,
        size: 3,
        size_formatted: '3 Items',
        wnf_wksp_type_id: 12,
        wnf_wksp_template_id: 4401,
      },
    },
    actions: { data: {}, map: { default_action: 'open' }, order: ['open'] },
  };
}

/** A list answer of the workspace APIs: paging at the top level, not under `collection`. */
function workspaceList(rows: unknown[], page = 1, pageTotal = 1, total = rows.length): unknown {
  return {
    links: { data: {} },
    meta_data: { properties: {} },
    paging: { limit: 500, page, page_total: pageTotal, range_max: rows.length, range_min: rows.length ? 1 : 0, total_count: total },
    results: rows,
    wksp_info: { wksp_type_icon: null },
  };
}

describe('content-server workspaces and workflows: reads in the real server shapes', () => {
  let server: RecordedServer;
  afterEach(async () => {
    await server?.close();
  });

  describe('business workspaces', () => {
    it('reads the workspace of a business object from a list with top-level paging', async () => {
      server = await recordedServer({
        'GET /v2/externalsystems/ERP1/botypes/VEND/boids/0000077': workspaceList([workspace(8801, 'Northwind (0000077)')]),
      });
      const ws = await server.client().workspaces.byBusinessObject({ extSystemId: 'ERP1', boType: 'VEND', boId: '0000077' });
      assert.deepEqual([ws?.id, ws?.name, ws?.type, ws?.container], [8801, 'Northwind (0000077)', 848, true]);
    });

    it('takes "no workspace" from an empty list or the refusal', async () => {
      server = await recordedServer({
        'GET /v2/externalsystems/ERP1/botypes/VEND/boids/empty': workspaceList([]),
        'GET /v2/externalsystems/ERP1/botypes/VEND/boids/none': {
          status: 400,
          json: { error: 'Could not find a business workspace for this business object' },
        },
      });
      const client = server.client();
      assert.equal(await client.workspaces.byBusinessObject({ extSystemId: 'ERP1', boType: 'VEND', boId: 'empty' }), undefined);
      assert.equal(await client.workspaces.byBusinessObject({ extSystemId: 'ERP1', boType: 'VEND', boId: 'none' }), undefined);
    });

    it('finds workspaces by name through the pages, keeping exact names only', async () => {
      server = await recordedServer({
        'GET /v2/businessworkspaces': (r: RecordedRequest) =>
          r.query.get('page') === '2'
            ? workspaceList([workspace(8803, 'Northwind')], 2, 2, 3)
            : workspaceList([workspace(8801, 'Northwind (0000077)'), workspace(8802, 'northwind')], 1, 2, 3),
      });
      const found = await server.client().workspaces.find({ name: 'Northwind', workspaceTypeId: 12 });
      assert.deepEqual(
        found.map((n) => n.id),
        [8802, 8803],
      );
      assert.deepEqual([server.requests[0]?.query.get('where_name'), server.requests[0]?.query.get('where_workspace_type_id')], ['Northwind', '12']);
    });

    it('creates a workspace and reads the name the server gave it', async () => {
      server = await recordedServer({
        'POST /v2/businessworkspaces': { links: { data: {} }, results: { id: 8810 } },
        'GET /v2/nodes/8810': v2One({ properties: (workspace(8810, 'Contoso (0000099)').data as { properties: object }).properties }),
      });
      const ws = await server.client().workspaces.create({ templateId: 4401, workspaceTypeId: 12, name: 'Contoso', categories: { '9840_2': 'C-9' } });
      assert.deepEqual([ws.id, ws.name], [8810, 'Contoso (0000099)']);
      assert.deepEqual((server.requests[0]?.body as { roles: unknown }).roles, { categories: { '9840': { '9840_2': 'C-9' } } });
    });
  });

  describe('workflows', () => {
    it('starts in one call, or through a draft with a comment, and reads the process id', async () => {
      server = await recordedServer({
        'POST /v2/draftprocesses/startwf': { links: { data: {} }, results: { custom_message: null, process_id: 9301 } },
        'POST /v2/draftprocesses': { links: { data: {} }, results: { draftprocess_id: 9302, workflow_type: '1_1' } },
        'PUT /v2/draftprocesses/9302': {
          links: { data: {} },
          results: { custom_message: 'Review was initiated successfully.', process_id: 9303, WorkID: null, WRID: null },
        },
      });
      const client = server.client();
      assert.equal(await client.workflows.start({ workflowId: 2401, docIds: [5150, 5151] }), 9301);
      assert.deepEqual(server.requests[0]?.form, { workflow_id: '2401', doc_ids: '5150,5151' });
      assert.equal(await client.workflows.start({ workflowId: 2401, docIds: [5150], comment: 'please check' }), 9303);
      assert.deepEqual(server.requests[2]?.body, { action: 'Initiate', comment: 'please check' });
    });

    it('reads a process status answered as an object (data_packages, step_list, wf_details)', async () => {
      const status = {
        data_packages: [{ TYPE: 1, SUBTYPE: 1, USERDATA: 9310, DESCRIPTION: '' }],
        permissions: { Archive: true, ChangeAttr: true, ChangeRoute: true, Delete: true, ManagerPerms: true, SeeDetail: true, Stop: true, Suspend: true },
        step_list: {
          completed: [],
          current: [{ process_id: 9301, subprocess_id: 9301, task_id: 4, task_name: 'Approve', task_status: 'ontime', task_start_date: '2026-03-02T10:00:00' }],
          next: [],
        },
        wf_details: {
          date_initiated: '2026-03-02T10:00:00',
          due_date: '',
          initiator: { firstName: 'Karl', lastName: 'Wagner', loginName: 'kwagner', userId: 4711 },
          status: 'ontime',
          wf_name: 'Invoice Approval',
          work_workID: 9301,
        },
      };
      server = await recordedServer({ 'GET /v2/workflows/status/processes/9301': { links: { data: {} }, results: status } });
      const read = await server.client().workflows.status(9301);
      assert.deepEqual((read.wf_details as { status: string; wf_name: string }).status, 'ontime');
      assert.equal(((read.step_list as { current: { task_name: string }[] }).current[0] ?? { task_name: '' }).task_name, 'Approve');
    });
  });
});
