/** Business workspaces (Extended ECM) and workflow start. */
import { route, type Ctx, type Reply, type Route } from './context';
import { links, nodeProperties, paging, type JsonObject } from './envelopes';
import { badRequest, invalid, noAccess } from './errors';
import { isRecord, optString, reqInt, reqString, type Value } from './forms';
import { can, inheritPermissions } from './permissions';
import { now, type SimNode } from './store';

/**
 * A workspace's properties as the workspace APIs report them (pyxecm `get_workspace`,
 * `get_workspace_by_type_and_name`): node properties plus `wnf_wksp_type_id`, `wnf_wksp_template_id`
 * and `wksp_type_name`. The business object is not among them.
 */
function workspaceProperties(ctx: Ctx, n: SimNode): JsonObject {
  const ws = n.workspace;
  const type = ctx.extras.workspaceTypes.find((t) => t.id === ws?.type_id);
  return {
    ...nodeProperties(ctx.store, n),
    wnf_wksp_type_id: ws?.type_id ?? null,
    wnf_wksp_template_id: type?.template_id ?? null,
    wksp_type_name: type?.name ?? '',
  };
}

function workspaces(ctx: Ctx): SimNode[] {
  return ctx.store.all().filter((n) => !n.deleted && n.type === 848 && n.workspace && can(ctx, n, 'see'));
}

/**
 * `where_name` as pyxecm's `get_workspace_by_type_and_name` documents it: `contains_X` and
 * `startswith_X` match a part of the name; a plain name is taken as the whole name (compared
 * case-insensitively here; unverified).
 */
function nameFilter(raw: string): (name: string) => boolean {
  const lower = raw.toLowerCase();
  if (lower.startsWith('contains_')) return (n) => n.toLowerCase().includes(lower.slice('contains_'.length));
  if (lower.startsWith('startswith_')) return (n) => n.toLowerCase().startsWith(lower.slice('startswith_'.length));
  return (n) => n.toLowerCase() === lower;
}

/** Top-level `paging` (not under `collection`), as the workspace APIs answer lists (pyxecm). */
function workspaceList(ctx: Ctx, list: SimNode[], page: number, limit: number): Reply {
  const slice = list.slice((page - 1) * limit, page * limit);
  return {
    json: {
      links: links(ctx.href),
      results: slice.map((n) => ({ data: { properties: workspaceProperties(ctx, n) } })),
      paging: { ...paging(list.length, page, limit) },
      wksp_info: { wksp_type_icon: null },
    },
  };
}

function search(ctx: Ctx): Reply {
  const q = ctx.query;
  let list = workspaces(ctx);
  const typeId = q.get('where_workspace_type_id');
  if (typeId) list = list.filter((n) => String(n.workspace?.type_id) === typeId);
  // pyxecm: "the REST API seems to apply a 'starts with' filter" to the type name.
  const typeName = q.get('where_workspace_type_name');
  if (typeName) {
    const ids = new Set(ctx.extras.workspaceTypes.filter((t) => t.name.toLowerCase().startsWith(typeName.toLowerCase())).map((t) => t.id));
    list = list.filter((n) => n.workspace !== undefined && ids.has(n.workspace.type_id));
  }
  const name = q.get('where_name');
  if (name) {
    const matches = nameFilter(name);
    list = list.filter((n) => matches(n.name));
  }
  const boType = q.get('where_bo_type');
  if (boType) list = list.filter((n) => n.workspace?.bo_type === boType);
  const boId = q.get('where_bo_id');
  if (boId) list = list.filter((n) => n.workspace?.bo_id === boId);
  const ext = q.get('where_ext_system_id');
  if (ext) list = list.filter((n) => n.workspace?.ext_system_id === ext);
  list.sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
  const page = Number(q.get('page') ?? 1);
  const limit = Number(q.get('limit') ?? 500);
  if (!Number.isInteger(page) || page < 1 || !Number.isInteger(limit) || limit < 1) throw badRequest('Invalid value for page or limit');
  return workspaceList(ctx, list, page, limit);
}

/**
 * `GET /v2/externalsystems/{sys}/botypes/{type}/boids/{id}` answers a LIST with top-level `paging`
 * (pyxecm `get_workspace_by_business_object`, captured). No workspace: refused (pyxecm treats it as a
 * failed call, "It does not exist"; status and wording unverified).
 */
function byBusinessObject(ctx: Ctx): Reply {
  const [ext, boType, boId] = ctx.args;
  const hits = workspaces(ctx).filter((n) => n.workspace?.ext_system_id === ext && n.workspace?.bo_type === boType && n.workspace?.bo_id === boId);
  if (hits.length === 0) throw badRequest(`Could not find a business workspace for business object ${ext ?? ''}/${boType ?? ''}/${boId ?? ''}`);
  return workspaceList(ctx, hits, 1, 500);
}

async function create(ctx: Ctx): Promise<Reply> {
  const p = ctx.params;
  const type = reqInt(p, 'type');
  if (type !== 848) throw invalid(`Invalid type ${type}: business workspaces have type 848`);
  const typeId = reqInt(p, 'wksp_type_id');
  const wsType = ctx.extras.workspaceTypes.find((t) => t.id === typeId);
  if (!wsType) throw invalid(`Invalid workspace type ID ${typeId}`);
  const templateId = reqInt(p, 'template_id');
  if (templateId !== wsType.template_id) throw invalid(`Invalid template ID ${templateId} for workspace type '${wsType.name}'`);
  const given = reqString(p, 'name');
  const boId = optString(p, 'bo_id') ?? '';
  const ext = optString(p, 'ext_system_id') ?? wsType.ext_system_id;
  const boType = optString(p, 'bo_type') ?? wsType.bo_type;
  if (boId && workspaces(ctx).some((n) => n.workspace?.ext_system_id === ext && n.workspace?.bo_type === boType && n.workspace?.bo_id === boId)) {
    throw invalid(`Invalid request: a business workspace for business object ${ext}/${boType}/${boId} already exists`);
  }
  const name = (wsType.name_pattern ?? '{name}').replace('{name}', given).replace('{bo_id}', boId);
  const parentId = p.parent_id !== undefined && p.parent_id !== '' ? reqInt(p, 'parent_id') : wsType.location_id;
  // Workspace creation takes categories nested by category id, like v1.
  const roles = p.roles;
  let categories: Record<string, Record<string, Value>> | undefined;
  if (isRecord(roles) && roles.categories !== undefined) {
    if (!isRecord(roles.categories)) throw badRequest('Invalid value for roles.categories');
    categories = {};
    for (const [k, v] of Object.entries(roles.categories)) {
      if (!/^\d+$/.test(k) || !isRecord(v)) throw invalid(`Invalid category '${k}': workspaces take categories nested by category id`);
      categories[k] = v;
    }
  }
  const node = await ctx.store.create({ type: 848, parent_id: parentId, name, description: optString(p, 'description'), categories }, 2, ctx.user?.id ?? 1000, {
    type_id: typeId,
    ext_system_id: ext,
    bo_type: boType,
    bo_id: boId,
  });
  inheritPermissions(ctx, node);
  return { json: { links: links(ctx.href, 'POST'), results: { id: node.id } } };
}

function docIds(ctx: Ctx): number[] {
  const raw = reqString(ctx.params, 'doc_ids');
  const ids = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const s of ids) {
    if (!/^\d+$/.test(s)) throw badRequest(`Invalid value for doc_ids: '${raw}'`);
    if (!ctx.store.get(Number(s))) throw noAccess();
  }
  return ids.map(Number);
}

function workflowMap(ctx: Ctx): number {
  const id = reqInt(ctx.params, 'workflow_id');
  const map = ctx.store.get(id);
  if (!map || map.type !== 128) throw invalid(`Invalid workflow map ID ${id}`);
  return id;
}

function startProcess(ctx: Ctx, workflowId: number, ids: number[], comment: string): number {
  const processId = ctx.extras.nextProcessId();
  ctx.extras.processes.push({ process_id: processId, workflow_id: workflowId, doc_ids: ids, comment, started: now(), initiator: ctx.user?.id ?? 1000 });
  return processId;
}

function startwf(ctx: Ctx): Reply {
  const workflowId = workflowMap(ctx);
  const processId = startProcess(ctx, workflowId, docIds(ctx), optString(ctx.params, 'comment') ?? '');
  return { json: { links: links(ctx.href, 'POST'), results: { custom_message: null, process_id: processId } } };
}

function draft(ctx: Ctx): Reply {
  const workflowId = workflowMap(ctx);
  const ids = docIds(ctx);
  const id = ctx.extras.nextProcessId();
  ctx.extras.drafts.set(id, { draftprocess_id: id, workflow_id: workflowId, doc_ids: ids });
  return { json: { links: links(ctx.href, 'POST'), results: { draftprocess_id: id, workflow_type: '1_1' } } };
}

function updateDraft(ctx: Ctx): Reply {
  const id = Number(ctx.args[0]);
  const d = ctx.extras.drafts.get(id);
  if (!d) throw invalid(`Invalid draft process ID ${id}`);
  const action = reqString(ctx.params, 'action');
  if (action === 'formUpdate') return { json: { links: links(ctx.href, 'PUT'), results: {} } };
  if (action !== 'Initiate') throw invalid(`Invalid action '${action}'`);
  ctx.extras.drafts.delete(id);
  const processId = startProcess(ctx, d.workflow_id, d.doc_ids, optString(ctx.params, 'comment') ?? '');
  return { json: { links: links(ctx.href, 'PUT'), results: { custom_message: null, process_id: processId } } };
}

/**
 * `GET /v2/workflows/status/processes/{id}`: `results` is an OBJECT with `data_packages`,
 * `permissions`, `step_list` (`completed`, `current`, `next`) and `wf_details` (pyxecm
 * `get_workflow_status`, captured). The simulator has no tasks of its own: one current step assigned
 * to the initiator stands for the running process.
 */
function status(ctx: Ctx): Reply {
  const id = Number(ctx.args[0]);
  const p = ctx.extras.processes.find((x) => x.process_id === id);
  if (!p) throw invalid(`Invalid process ID ${id}`);
  const initiator = ctx.store.users.find((u) => u.id === p.initiator);
  const person = { userId: p.initiator, loginName: initiator?.name ?? '', firstName: initiator?.first_name ?? '', lastName: initiator?.last_name ?? '' };
  const started = p.started.replace(/Z$/, '');
  return {
    json: {
      links: links(ctx.href),
      results: {
        data_packages: [
          { TYPE: 1, SUBTYPE: 1, USERDATA: p.process_id, DESCRIPTION: '' },
          { TYPE: 1, SUBTYPE: 2, USERDATA: p.process_id, DESCRIPTION: '' },
        ],
        permissions: { Archive: true, ChangeAttr: true, ChangeRoute: true, Delete: true, ManagerPerms: true, SeeDetail: true, Stop: true, Suspend: true },
        step_list: {
          completed: [],
          current: [
            {
              process_id: p.process_id,
              subprocess_id: p.process_id,
              task_id: 1,
              task_name: 'Review',
              task_due_date: '',
              task_start_date: started,
              task_status: 'ontime',
              task_assignees: { assignee: [{ ...person, emailAddress: '', phone: '' }], assigneeCount: 1, currentAssignee: ' ' },
            },
          ],
          next: [],
        },
        wf_details: {
          date_initiated: started,
          due_date: '',
          initiator: person,
          status: 'ontime',
          wf_name: ctx.store.get(p.workflow_id)?.name ?? '',
          work_workID: p.process_id,
        },
      },
    },
  };
}

const r = route;

export const workspaceRoutes: Route[] = [
  r('GET', '/v2/businessworkspaces', search),
  r('POST', '/v2/businessworkspaces', create),
  r('GET', '/v2/externalsystems/([^/]+)/botypes/([^/]+)/boids/([^/]+)', byBusinessObject),
  r('POST', '/v2/draftprocesses/startwf', startwf),
  r('POST', '/v2/draftprocesses', draft),
  r('PUT', '/v2/draftprocesses/(\\d+)', updateDraft),
  r('GET', '/v2/workflows/status/processes/(\\d+)', status),
];
