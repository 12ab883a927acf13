/**
 * Records management, holds and permissions: the calls that make a filed document governed. Names
 * (hold names, user and group names, classification paths) are resolved here, since flows know names
 * and the API wants ids.
 */
import { FileBridgeError } from '../errors';
import { collection, isObject, itemData, numberProp, stringProp, type JsonObject } from './envelopes';
import type { CsHttp } from './http';
import type { NodeApi } from './nodes';

export const PERMISSIONS = [
  'see',
  'see_contents',
  'modify',
  'edit_attributes',
  'add_items',
  'reserve',
  'add_major_version',
  'delete_versions',
  'delete',
  'edit_permissions',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** 0 this item, 1 sub-items, 2 this and sub-items, 3 this and immediate sub-items. */
export type ApplyTo = 0 | 1 | 2 | 3;

export interface Hold {
  id: number;
  name: string;
  type: string;
  active: boolean;
}

export interface Member {
  id: number;
  name: string;
  /** 0 user, 1 group. */
  type: number;
}

export interface Classification {
  classId: number;
  name: string;
  status: string | undefined;
}

/**
 * A hold row of `GET /v2/holds` (pyxecm `get_records_management_holds`): `ActiveHold` is a number on a
 * real server (1, or 0 for a hold no longer active); a boolean is read too.
 */
function holdOf(row: unknown): Hold | undefined {
  if (!isObject(row)) return undefined;
  const id = numberProp(row, 'HoldID');
  if (id === undefined) return undefined;
  const active = row.ActiveHold;
  return {
    id,
    name: stringProp(row, 'HoldName') ?? '',
    type: stringProp(row, 'HoldType') ?? '',
    active: !(active === false || active === 0 || active === '0' || active === 'false'),
  };
}

/**
 * A row of `GET /v1/nodes/{id}/rmclassifications`: records-details rows name their classification by
 * `rmclassification_id` (the reference's section 9, from pyxecm); `class_id` and `id` are read too.
 */
function classificationOf(row: JsonObject): Classification | undefined {
  // Records-details forms carry the id as a one-element list; rows as a number.
  const id = (v: unknown): number | undefined => {
    const x: unknown = Array.isArray(v) ? v[0] : v;
    const n = typeof x === 'string' && x.trim() !== '' ? Number(x) : x;
    return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
  };
  const classId = id(row.rmclassification_id) ?? id(row.class_id) ?? id(row.id);
  if (classId === undefined) return undefined;
  return { classId, name: stringProp(row, 'name') ?? '', status: stringProp(row, 'status') };
}

/** Pages of a member lookup looked through before giving up (20 a page). */
const MAX_MEMBER_PAGES = 10;

export class Governance {
  private holdCache: Promise<Hold[]> | undefined;
  /** The last hold call sent (see `holdCall`). */
  private holdCalls: Promise<unknown> = Promise.resolve();
  private readonly classPaths = new Map<string, number>();

  constructor(
    private readonly http: CsHttp,
    private readonly nodes: NodeApi,
    /** Root of the classification tree, for classifications given as a path. */
    private readonly classificationRoot: number | undefined,
  ) {}

  // ---- records management ----

  async classifications(nodeId: number): Promise<{ items: Classification[]; token: string | undefined }> {
    const body = await this.http.json({ method: 'GET', path: `/v1/nodes/${nodeId}/rmclassifications` });
    const rows = isObject(body) && Array.isArray(body.data) ? body.data : [];
    const items = rows
      .filter(isObject)
      .map(classificationOf)
      .filter((c): c is Classification => c !== undefined);
    return { items, token: isObject(body) ? stringProp(body, 'rm_metadataToken') : undefined };
  }

  /**
   * `classification` is a classification node id or a path below the classification root (`Finance/Invoices`).
   * A node's first classification goes without `rm_metadataToken`, as OpenText's own client sends it
   * (pyxecm `OTCS.assign_rm_classification`: the token is "required if changing an RM Classification to
   * another"); when the node has one already, the fresh token of the read right before is sent.
   */
  async classify(nodeId: number, classification: number | string): Promise<number> {
    const classId = await this.resolveClassification(classification);
    const current = await this.classifications(nodeId);
    if (current.items.some((c) => c.classId === classId)) return classId;
    const body: JsonObject = { class_id: classId };
    if (current.items.length > 0) {
      if (!current.token) throw new FileBridgeError('CS_REJECTED', `Content Server gave no rm_metadataToken for node ${nodeId}`, { nodeId });
      // The token is single-use and goes stale when anyone else edits: read it right before writing.
      body.rm_metadataToken = current.token;
    }
    await this.http.json({ method: 'POST', path: `/v1/nodes/${nodeId}/rmclassifications`, body });
    return classId;
  }

  /** The classification node id of an id or a path below the classification root, without applying it. */
  async resolveClassification(classification: number | string): Promise<number> {
    return typeof classification === 'number' || /^\d+$/.test(classification) ? Number(classification) : this.classificationByPath(classification);
  }

  private async classificationByPath(path: string): Promise<number> {
    if (this.classificationRoot === undefined) {
      throw new FileBridgeError('INVALID_INPUT', `Classification '${path}' is a path, but no classification root is configured; give the classification id`);
    }
    const key = path.toLowerCase();
    const cached = this.classPaths.get(key);
    if (cached !== undefined) return cached;
    let id = this.classificationRoot;
    for (const segment of path
      .split('/')
      .map((s) => s.trim())
      .filter((s) => s !== '')) {
      const child = await this.nodes.findChild(id, segment);
      if (!child) throw new FileBridgeError('NOT_FOUND', `No classification '${segment}' in '${path}'`, { classification: path });
      id = child.id;
    }
    this.classPaths.set(key, id);
    return id;
  }

  // ---- holds ----

  async holds(): Promise<Hold[]> {
    if (!this.holdCache) {
      this.holdCache = this.http.json({ method: 'GET', path: '/v2/holds' }).then((body) => {
        const data = itemData(body);
        return (Array.isArray(data.holds) ? data.holds : []).map(holdOf).filter((h): h is Hold => h !== undefined);
      });
      this.holdCache.catch(() => (this.holdCache = undefined));
    }
    return this.holdCache;
  }

  async nodeHolds(nodeId: number): Promise<Hold[]> {
    const body = await this.http.json({ method: 'GET', path: `/v1/nodes/${nodeId}/holds` });
    const rows = isObject(body) && Array.isArray(body.data) ? body.data : [];
    return rows.map(holdOf).filter((h): h is Hold => h !== undefined);
  }

  /** Puts the node on the named (or numbered) holds; already applied ones are left alone. */
  async applyHolds(nodeId: number, holds: (string | number)[]): Promise<Hold[]> {
    const all = await this.holds();
    const wanted = holds.map((h) => {
      const hit = all.find((x) => x.id === Number(h) || x.name.toLowerCase() === String(h).toLowerCase());
      if (!hit) throw new FileBridgeError('INVALID_INPUT', `Unknown hold '${h}' (known: ${all.map((x) => `'${x.name}'`).join(', ') || 'none'})`, { hold: h });
      return hit;
    });
    const present = new Set((await this.nodeHolds(nodeId)).map((h) => h.id));
    for (const h of wanted)
      if (!present.has(h.id)) await this.holdCall(() => this.http.json({ method: 'POST', path: `/v1/nodes/${nodeId}/holds`, form: { hold_id: h.id } }));
    return wanted;
  }

  async removeHold(nodeId: number, holdId: number): Promise<void> {
    await this.holdCall(() => this.http.json({ method: 'DELETE', path: `/v1/nodes/${nodeId}/holds/${holdId}` }));
  }

  /**
   * The server takes hold calls one at a time and refuses one that overlaps another ("another hold
   * operation is in progress"), also for different documents: so the hold calls of every upload on
   * this connection (a watch has several files in flight) wait for each other here.
   */
  private holdCall<T>(call: () => Promise<T>): Promise<T> {
    const turn = this.holdCalls.then(call, call);
    this.holdCalls = turn.catch(() => undefined);
    return turn;
  }

  // ---- members and permissions ----

  /** A user (type 0) or group (type 1) by exact name; without a type users are looked at first, then groups. */
  async member(name: string, type?: 0 | 1): Promise<Member> {
    for (const t of type === undefined ? ([0, 1] as const) : [type]) {
      const hit = await this.memberOfType(name, t);
      if (hit) return hit;
    }
    throw new FileBridgeError('NOT_FOUND', `No ${type === 1 ? 'group' : type === 0 ? 'user' : 'user or group'} named '${name}'`, { member: name });
  }

  /**
   * `GET /v2/members?where_type=0|1&where_name=<name>`, as OpenText's own client finds a user or group
   * (pyxecm `OTCS.get_user`, `get_groups`), at most 20 a page ("OTCS does not allow values > 20").
   * The answer is not trusted to be filtered: only a member of exactly that name (names compare
   * case-insensitively) and type counts, so a server that ignores or widens the filter can never make
   * permissions go to someone else.
   */
  private async memberOfType(name: string, type: 0 | 1): Promise<Member | undefined> {
    for (let page = 1; page <= MAX_MEMBER_PAGES; page++) {
      const body = await this.http.json({ method: 'GET', path: '/v2/members', query: { where_type: type, where_name: name, limit: 20, page } });
      const c = collection(body);
      for (const r of c.items) {
        const id = numberProp(r, 'id');
        if (id !== undefined && stringProp(r, 'name')?.toLowerCase() === name.toLowerCase() && (numberProp(r, 'type') ?? type) === type) {
          return { id, name: stringProp(r, 'name') ?? name, type };
        }
      }
      if (page >= c.paging.pageTotal || c.items.length === 0) return undefined;
    }
    return undefined;
  }

  async permissions(nodeId: number): Promise<JsonObject[]> {
    const body = await this.http.json({ method: 'GET', path: `/v2/nodes/${nodeId}/permissions` });
    const results = isObject(body) && Array.isArray(body.results) ? body.results : [];
    return results.map((r) => (isObject(r) && isObject(r.data) && isObject(r.data.permissions) ? r.data.permissions : {}));
  }

  /**
   * Assigned access for a user or group by name: added, or replaced when the member already has
   * some. `see` is implied by every other permission, so it is added when missing.
   */
  async grant(nodeId: number, member: string | Member, permissions: Permission[], applyTo: ApplyTo = 0): Promise<Member> {
    for (const p of permissions)
      if (!(PERMISSIONS as readonly string[]).includes(p))
        throw new FileBridgeError('INVALID_INPUT', `Unknown permission '${p}' (known: ${PERMISSIONS.join(', ')})`);
    const list = permissions.length > 0 && !permissions.includes('see') ? ['see', ...permissions] : [...permissions];
    // A caller that resolved the member already (to check every name before writing) passes it on.
    const m = typeof member === 'string' ? await this.member(member) : member;
    const existing = await this.permissions(nodeId);
    const has = existing.some((p) => p.type === 'custom' && numberProp(p, 'right_id') === m.id);
    if (has) await this.http.json({ method: 'PUT', path: `/v2/nodes/${nodeId}/permissions/custom/${m.id}`, body: { permissions: list, apply_to: applyTo } });
    else
      await this.http.json({ method: 'POST', path: `/v2/nodes/${nodeId}/permissions/custom`, body: { permissions: list, right_id: m.id, apply_to: applyTo } });
    return m;
  }

  /**
   * Makes a user the owner of a node: `PUT /v2/nodes/{id}/permissions/owner` with `right_id` (the
   * reference's section 7, "Owner, owner group, public"). The owner's permissions stay what they
   * were (all of them when the node shows no owner entry): only who holds them changes.
   */
  async setOwner(nodeId: number, user: string | Member): Promise<Member> {
    const m = typeof user === 'string' ? await this.member(user, 0) : user;
    if (m.type !== 0) throw new FileBridgeError('INVALID_INPUT', `The owner must be a user; '${m.name}' is a group`, { member: m.name });
    const current = (await this.permissions(nodeId)).find((p) => p.type === 'owner');
    const known = (p: unknown): p is Permission => (PERMISSIONS as readonly string[]).includes(String(p));
    const held = Array.isArray(current?.permissions) ? current.permissions.filter(known) : [];
    const permissions = held.length > 0 ? held : [...PERMISSIONS];
    await this.http.json({ method: 'PUT', path: `/v2/nodes/${nodeId}/permissions/owner`, body: { permissions, right_id: m.id, apply_to: 0 } });
    return m;
  }

  async revoke(nodeId: number, member: string | Member): Promise<void> {
    const m = typeof member === 'string' ? await this.member(member) : member;
    await this.http.json({ method: 'DELETE', path: `/v2/nodes/${nodeId}/permissions/custom/${m.id}` });
  }
}
