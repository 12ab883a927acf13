/**
 * Business workspaces (Extended ECM) and workflows: finding the workspace a document belongs in, by
 * name or by its business object, creating it from a template, and starting a workflow on documents.
 */
import { FileBridgeError, isFileBridgeError } from '../errors';
import { collection, isObject, itemProperties, numberProp, stringProp, type JsonObject } from './envelopes';
import type { CsHttp } from './http';
import { toNode, type CsNode } from './nodes';

export interface BusinessObject {
  extSystemId: string;
  boType: string;
  boId: string;
}

export interface WorkspaceQuery {
  name?: string;
  workspaceTypeId?: number;
  businessObject?: Partial<BusinessObject>;
}

export interface WorkspaceCreate {
  templateId: number;
  workspaceTypeId: number;
  name: string;
  parentId?: number;
  description?: string;
  businessObject?: BusinessObject;
  /** Flat `{cat}_{attr}` keys; sent nested by category id as this call wants. */
  categories?: JsonObject;
}

/** `{"9830_2":..}` -> `{"9830":{"9830_2":..}}`, the nesting the workspace create call expects. */
export function nestCategories(flat: JsonObject): Record<string, JsonObject> {
  const out: Record<string, JsonObject> = {};
  for (const [key, value] of Object.entries(flat)) {
    const cat = key.split('_')[0];
    out[cat] ??= {};
    if (!/^\d+_1$/.test(key)) out[cat][key] = value;
  }
  return out;
}

export class Workspaces {
  constructor(private readonly http: CsHttp) {}

  /** All workspaces matching; names are matched exactly (the server filter is a substring). */
  async find(q: WorkspaceQuery): Promise<CsNode[]> {
    const out: CsNode[] = [];
    for (let page = 1; ; page++) {
      const body = await this.http.json({
        method: 'GET',
        path: '/v2/businessworkspaces',
        query: {
          where_name: q.name,
          where_workspace_type_id: q.workspaceTypeId,
          where_ext_system_id: q.businessObject?.extSystemId,
          where_bo_type: q.businessObject?.boType,
          where_bo_id: q.businessObject?.boId,
          expanded_view: true,
          page,
          limit: 100,
        },
      });
      const c = collection(body);
      out.push(...c.items.map(toNode).filter((n) => q.name === undefined || n.name.toLowerCase() === q.name.toLowerCase()));
      if (page >= c.paging.pageTotal || c.items.length === 0) return out;
    }
  }

  /**
   * The workspace of a business object, or undefined when it has none. A real server answers a LIST
   * with top-level `paging` (pyxecm `OTCS.get_workspace_by_business_object`); a one-item answer
   * (`results.data.properties`) is read too.
   */
  async byBusinessObject(bo: BusinessObject): Promise<CsNode | undefined> {
    const path = `/v2/externalsystems/${encodeURIComponent(bo.extSystemId)}/botypes/${encodeURIComponent(bo.boType)}/boids/${encodeURIComponent(bo.boId)}`;
    let body: unknown;
    try {
      body = await this.http.json({ method: 'GET', path });
    } catch (err) {
      // "No workspace for this object" comes as a 400 (or the usual not-found texts), not a 404.
      if (
        isFileBridgeError(err) &&
        (err.code === 'NOT_FOUND' || (err.code === 'CS_REJECTED' && /could not find|not found|no business workspace|does not exist/i.test(err.message)))
      )
        return undefined;
      throw err;
    }
    if (isObject(body) && Array.isArray(body.results)) {
      const first = collection(body).items[0];
      return first ? toNode(first) : undefined;
    }
    return toNode(itemProperties(body));
  }

  /** Creates a workspace; the server may rename it by its naming rules, so the answer is read back. */
  async create(w: WorkspaceCreate): Promise<CsNode> {
    const body: JsonObject = { template_id: w.templateId, wksp_type_id: w.workspaceTypeId, type: 848, name: w.name };
    if (w.parentId !== undefined) body.parent_id = w.parentId;
    if (w.description !== undefined) body.description = w.description;
    if (w.businessObject) Object.assign(body, { ext_system_id: w.businessObject.extSystemId, bo_type: w.businessObject.boType, bo_id: w.businessObject.boId });
    if (w.categories && Object.keys(w.categories).length > 0) body.roles = { categories: nestCategories(w.categories) };
    const created = itemProperties(await this.http.json({ method: 'POST', path: '/v2/businessworkspaces', body }));
    const id = numberProp(created, 'id');
    if (id === undefined) throw new FileBridgeError('CONNECTION', 'Content Server created a workspace but sent no id');
    return toNode(itemProperties(await this.http.json({ method: 'GET', path: `/v2/nodes/${id}`, query: { fields: ['properties'] } })));
  }

  /** The business object's workspace, created from the template when it has none yet. */
  async ensure(w: WorkspaceCreate & { businessObject: BusinessObject }): Promise<{ workspace: CsNode; created: boolean }> {
    const found = await this.byBusinessObject(w.businessObject);
    if (found) return { workspace: found, created: false };
    return { workspace: await this.create(w), created: true };
  }
}

export interface WorkflowStart {
  workflowId: number;
  docIds: number[];
  /** With a comment the two-step start is used (draft, then initiate with the comment). */
  comment?: string;
}

export class Workflows {
  constructor(private readonly http: CsHttp) {}

  async start(w: WorkflowStart): Promise<number> {
    const form = { workflow_id: w.workflowId, doc_ids: w.docIds.join(',') };
    if (w.comment === undefined) {
      return processId(await this.http.json({ method: 'POST', path: '/v2/draftprocesses/startwf', form }));
    }
    const draft = await this.http.json({ method: 'POST', path: '/v2/draftprocesses', form });
    const results = isObject(draft) && isObject(draft.results) ? draft.results : {};
    const draftId = numberProp(results, 'draftprocess_id');
    if (draftId === undefined) throw new FileBridgeError('CONNECTION', 'Content Server answered the draft process without an id');
    return processId(await this.http.json({ method: 'PUT', path: `/v2/draftprocesses/${draftId}`, body: { action: 'Initiate', comment: w.comment } }));
  }

  /**
   * The status of a process: a real server answers `results` as an OBJECT with `data_packages`,
   * `permissions`, `step_list` and `wf_details` (pyxecm `OTCS.get_workflow_status`), which is returned
   * as it is; a list answer (its first row) is read too.
   */
  async status(processId: number): Promise<JsonObject> {
    const body = await this.http.json({ method: 'GET', path: `/v2/workflows/status/processes/${processId}` });
    const results = isObject(body) ? body.results : undefined;
    if (isObject(results)) return isObject(results.data) ? results.data : results;
    const first: unknown = Array.isArray(results) ? results[0] : undefined;
    return isObject(first) ? (isObject(first.data) ? first.data : first) : {};
  }
}

function processId(body: unknown): number {
  const results = isObject(body) && isObject(body.results) ? body.results : {};
  const id = numberProp(results, 'process_id');
  if (id === undefined)
    throw new FileBridgeError('CONNECTION', 'Content Server started the workflow but sent no process id', { answer: stringProp(results, 'custom_message') });
  return id;
}
