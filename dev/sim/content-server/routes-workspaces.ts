/** Business workspaces (Extended ECM) and workflow start. */
import { route, type Ctx, type Reply, type Route } from './context';
import { links, nodeProperties, paging, type JsonObject } from './envelopes';
import { badRequest, invalid, noAccess } from './errors';
import { isRecord, optString, reqInt, reqString, type Value } from './forms';
import { can, inheritPermissions } from './permissions';
import { now, type SimNode } from './store';

function workspaceProperties(ctx: Ctx, n: SimNode): JsonObject {
  const ws = n.workspace;
  return {
    ...nodeProperties(ctx.store, n),
    wksp_type_id: ws?.type_id ?? null,
    wksp_type_name: ctx.extras.workspaceTypes.find((t) => t.id === ws?.type_id)?.name ?? '',
    ext_system_id: ws?.ext_system_id ?? '',
    bo_type: ws?.bo_type ?? '',
    bo_id: ws?.bo_id ?? '',
  };
}

function workspaces(ctx: Ctx): SimNode[] {
  return ctx.store.all().filter((n) => !n.deleted && n.type === 848 && n.workspace && can(ctx, n, 'see'));
}

function search(ctx: Ctx): Reply {
  const q = ctx.query;
  let list = workspaces(ctx);
  const typeId = q.get('where_workspace_type_id');
  if (typeId) list = list.filter((n) => String(n.workspace?.type_id) === typeId);
  const name = q.get('where_name');
  if (name) list = list.filter((n) => n.name.toLowerCase().includes(name.toLowerCase()));
  const boType = q.get('where_bo_type');
  if (boType) list = list.filter((n) => n.workspace?.bo_type === boType);
  const boId = q.get('where_bo_id');
  if (boId) list = list.filter((n) => n.workspace?.bo_id === boId);
  const ext = q.get('where_ext_system_id');
  if (ext) list = list.filter((n) => n.workspace?.ext_system_id === ext);
  list.sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
  const page = Number(q.get('page') ?? 1);
  const limit = Number(q.get('limit') ?? 25);
  if (!Number.isInteger(page) || page < 1 || !Number.isInteger(limit) || limit < 1) throw badRequest('Invalid value for page or limit');
  const slice = list.slice((page - 1) * limit, page * limit);
  // Unlike node browsing, this API puts the paging at the top level.
  return {
    json: {
      links: links(ctx.href),
      results: slice.map((n) => ({ data: { properties: workspaceProperties(ctx, n) } })),
      paging: { ...paging(list.length, page, limit) },
    },
  };
}

function byBusinessObject(ctx: Ctx): Reply {
  const [ext, boType, boId] = ctx.args;
  const hit = workspaces(ctx).find((n) => n.workspace?.ext_system_id === ext && n.workspace?.bo_type === boType && n.workspace?.bo_id === boId);
  if (!hit) throw badRequest(`Could not find a business workspace for business object ${ext ?? ''}/${boType ?? ''}/${boId ?? ''}`);
  return { json: { links: links(ctx.href), results: { data: { properties: workspaceProperties(ctx, hit) } } } };
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

function status(ctx: Ctx): Reply {
  const id = Number(ctx.args[0]);
  const p = ctx.extras.processes.find((x) => x.process_id === id);
  if (!p) throw invalid(`Invalid process ID ${id}`);
  return {
    json: {
      links: links(ctx.href),
      results: [
        { process_id: p.process_id, workflow_id: p.workflow_id, status: 'ontime', date_initiated: p.started, doc_ids: p.doc_ids, initiator: p.initiator },
      ],
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
