/**
 * Categories by name. Flows say `{ "Invoice": { "Vendor": "ACME" } }`; the server wants `9830_2`.
 * The names and types come from category metadata (`GET /v2/nodes/{id}/categories?metadata`) of a
 * node that carries the categories: the target folder (whose categories new documents inherit) or
 * configured template nodes. Definitions are cached per client; they change rarely and cost a call.
 */
import { FileBridgeError } from '../errors';
import { isObject, type JsonObject } from './envelopes';
import type { CsHttp } from './http';

export type AttributeType = 'string' | 'integer' | 'real' | 'date' | 'boolean' | 'other';

export interface AttributeDefinition {
  key: string;
  name: string;
  type: AttributeType;
  multiValue: boolean;
  required: boolean;
  /** The values the server accepts, when it restricts them (a pick list). */
  validValues?: string[];
}

export interface CategoryDefinition {
  id: number;
  name: string;
  attributes: AttributeDefinition[];
}

/** Input: `{ "Invoice": { "Vendor": "ACME" } }`, raw `{ "9830_2": "ACME" }`, or both. */
export type CategoryInput = Record<string, unknown>;
export type Scalar = string | number | boolean | null;

const TYPE_BY_NAME: Record<string, AttributeType> = { string: 'string', integer: 'integer', real: 'real', date: 'date', boolean: 'boolean' };
const TYPE_BY_ID: Record<number, AttributeType> = { [-1]: 'string', 2: 'integer', [-4]: 'real', [-7]: 'date', 5: 'boolean' };

function attributeType(meta: JsonObject): AttributeType {
  const byName = typeof meta.type_name === 'string' ? TYPE_BY_NAME[meta.type_name.toLowerCase()] : undefined;
  if (byName) return byName;
  return typeof meta.type === 'number' ? (TYPE_BY_ID[meta.type] ?? 'other') : 'other';
}

/**
 * The attribute schemas of one `results` item's `metadata.categories` (or a v1 `definitions`), flat by
 * key. `GET /v2/nodes/{id}/categories?metadata` answers them flat (`{"16878": {...}, "16878_25": {...}}`,
 * pyxecm `OTCS.get_node_categories`); node reads with `fields=categories` may answer them grouped by
 * category or as a list of per-category objects (pyxecm `OTCS.extract_category_data` handles both).
 */
function flatSchemas(raw: unknown): Map<string, JsonObject> {
  const out = new Map<string, JsonObject>();
  const isSchema = (v: JsonObject): boolean => 'key' in v || 'name' in v || 'persona' in v || 'type_name' in v;
  const add = (group: unknown): void => {
    if (!isObject(group)) return;
    for (const [key, v] of Object.entries(group)) {
      if (!isObject(v)) continue;
      if (isSchema(v)) out.set(key, v);
      else add(v);
    }
  };
  if (Array.isArray(raw)) raw.forEach(add);
  else add(raw);
  return out;
}

function idList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x) => typeof x === 'string' || typeof x === 'number').map(String) : [];
}

/**
 * The category ids a `results` item describes: `metadata_order.categories` (pyxecm's
 * `get_node_category_ids` reads this), else the schemas named by a bare id or with `persona: "category"`.
 * Older simulator answers named the category `{cat}_1`; `{cat}_1` is the category itself in the write
 * API too, so it is read as the category and never as an attribute.
 */
function categoryIds(item: JsonObject, schemas: Map<string, JsonObject>): string[] {
  const order = isObject(item.metadata_order) ? idList(item.metadata_order.categories) : idList(item.definitions_order);
  if (order.length > 0) return order;
  const ids: string[] = [];
  for (const [key, schema] of schemas) {
    const id = /^\d+$/.test(key) || schema.persona === 'category' ? key.split('_')[0] : /^(\d+)_1$/.exec(key)?.[1];
    if (id && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

function attributeOf(key: string, meta: JsonObject): AttributeDefinition {
  const valid = Array.isArray(meta.valid_values) ? meta.valid_values.filter((v): v is string => typeof v === 'string') : [];
  return {
    key,
    name: typeof meta.name === 'string' ? meta.name : key,
    type: attributeType(meta),
    multiValue: meta.multi_value === true,
    required: meta.required === true,
    // Real servers send `valid_values: []` for attributes without a pick list.
    ...(valid.length > 0 ? { validValues: valid } : {}),
  };
}

/** Definitions of the categories one `results` item (or a v1 definitions answer) describes. */
function definitionsOfItem(item: JsonObject): CategoryDefinition[] {
  const schemas = flatSchemas(isObject(item.metadata) ? item.metadata.categories : item.definitions);
  const mapOf = (v: unknown): JsonObject | undefined => (isObject(v) ? v : undefined);
  const map = mapOf(isObject(item.metadata_map) ? item.metadata_map.categories : item.definitions_map) ?? {};
  const out: CategoryDefinition[] = [];
  for (const id of categoryIds(item, schemas)) {
    const self = schemas.get(id) ?? schemas.get(`${id}_1`);
    // Top-level attributes only: sets (`persona: "set"`) and the attributes in them (`{cat}_{set}_x_{attr}`)
    // have no name form here; flows give such values by raw key.
    const listed = idList(map[id]);
    const keys = (listed.length > 0 ? listed : [...schemas.keys()]).filter((k) => new RegExp(`^${id}_\\d+$`).test(k) && k !== `${id}_1`);
    const attributes = keys
      .map((k) => [k, schemas.get(k)] as const)
      .filter((e): e is readonly [string, JsonObject] => e[1] !== undefined && e[1].persona !== 'set' && e[1].persona !== 'category')
      .map(([k, meta]) => attributeOf(k, meta));
    out.push({ id: Number(id), name: self && typeof self.name === 'string' ? self.name : id, attributes });
  }
  return out;
}

function resultItems(body: unknown): JsonObject[] {
  if (!isObject(body)) return [];
  if (Array.isArray(body.results)) return body.results.filter(isObject);
  // One category of a node (`GET /v2/nodes/{id}/categories/{cat}?metadata`) answers `results` as an object.
  return isObject(body.results) ? [body.results] : [];
}

/** Definitions from a `categories?metadata` answer: one `results` item per applied category. */
export function parseCategoryMetadata(body: unknown): CategoryDefinition[] {
  return resultItems(body).flatMap(definitionsOfItem);
}

/** Definitions from a v1 one-category answer (`data`, `definitions`, `definitions_map`, `definitions_order`). */
export function parseCategoryDefinitions(body: unknown): CategoryDefinition[] {
  return isObject(body) ? definitionsOfItem(body) : [];
}

function invalidValue(cat: CategoryDefinition, attr: AttributeDefinition, value: unknown, expected: string): FileBridgeError {
  return new FileBridgeError('INVALID_INPUT', `Category '${cat.name}', attribute '${attr.name}' (${attr.key}): ${JSON.stringify(value)} is not ${expected}`, {
    category: cat.name,
    attribute: attr.name,
    key: attr.key,
  });
}

function convertOne(cat: CategoryDefinition, attr: AttributeDefinition, v: unknown): Scalar {
  if (v === null || v === undefined || v === '') return null;
  switch (attr.type) {
    case 'string':
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
      throw invalidValue(cat, attr, v, 'text');
    case 'integer': {
      const n = typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v) ? Number(v) : v;
      if (typeof n === 'number' && Number.isSafeInteger(n)) return n;
      throw invalidValue(cat, attr, v, 'a whole number');
    }
    case 'real': {
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v.trim().replace(/,(?=\d+$)/, '.')) : v;
      if (typeof n === 'number' && Number.isFinite(n)) return n;
      throw invalidValue(cat, attr, v, 'a number');
    }
    case 'date': {
      // The server takes YYYY-MM-DD; a Date or a full ISO string is cut to its (UTC) day.
      if (v instanceof Date && !Number.isNaN(v.getTime())) return v.toISOString().slice(0, 10);
      if (typeof v === 'string') {
        const m = /^(\d{4}-\d\d-\d\d)(?:[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?$/.exec(v.trim());
        if (m && !Number.isNaN(new Date(`${m[1]}T00:00:00Z`).getTime())) return m[1];
      }
      throw invalidValue(cat, attr, v instanceof Date ? 'Invalid Date' : v, 'a date (YYYY-MM-DD)');
    }
    case 'boolean':
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === 1 || v === '1') return true;
      if (v === 'false' || v === 0 || v === '0') return false;
      throw invalidValue(cat, attr, v, 'true or false');
    case 'other':
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
      throw invalidValue(cat, attr, v, 'a plain value');
  }
}

function convert(cat: CategoryDefinition, attr: AttributeDefinition, v: unknown): Scalar | Scalar[] {
  if (Array.isArray(v)) {
    if (!attr.multiValue) throw invalidValue(cat, attr, v, 'a single value (the attribute takes one value)');
    return v.map((one) => convertOne(cat, attr, one));
  }
  return convertOne(cat, attr, v);
}

/**
 * Flat v2 keys (`{cat}_1` marks the category as applied) from names or raw keys. Raw keys pass as
 * they are: the server checks them, and flows that already know their keys should not need metadata.
 */
export function resolveCategoryValues(input: CategoryInput, definitions: CategoryDefinition[]): JsonObject {
  const out: JsonObject = {};
  for (const [catKey, value] of Object.entries(input)) {
    if (/^\d+_\d+(?:_\d+_\d+)?$/.test(catKey)) {
      out[catKey] = value;
      out[`${catKey.split('_')[0]}_1`] ??= {};
      continue;
    }
    const cat = definitions.find((d) => d.name.toLowerCase() === catKey.toLowerCase() || String(d.id) === catKey);
    if (!cat) {
      const known = definitions.map((d) => `'${d.name}'`).join(', ') || 'none';
      throw new FileBridgeError('INVALID_INPUT', `Unknown category '${catKey}' (known here: ${known})`, { category: catKey });
    }
    if (!isObject(value)) {
      throw new FileBridgeError('INVALID_INPUT', `Category '${cat.name}' needs an object of attribute names and values`, { category: cat.name });
    }
    out[`${cat.id}_1`] = {};
    for (const [attrName, attrValue] of Object.entries(value)) {
      const attr = cat.attributes.find((a) => a.name.toLowerCase() === attrName.toLowerCase() || a.key === attrName);
      if (!attr) {
        throw new FileBridgeError(
          'INVALID_INPUT',
          `Category '${cat.name}' has no attribute '${attrName}' (it has: ${cat.attributes.map((a) => `'${a.name}'`).join(', ')})`,
          { category: cat.name, attribute: attrName },
        );
      }
      out[attr.key] = convert(cat, attr, attrValue);
    }
  }
  return out;
}

/** True when the input names categories (and so needs definitions), false for raw keys only. */
export function needsDefinitions(input: CategoryInput): boolean {
  return Object.keys(input).some((k) => !/^\d+_\d+(?:_\d+_\d+)?$/.test(k));
}

export class CategoryCatalog {
  private readonly byNode = new Map<number, Promise<CategoryDefinition[]>>();

  constructor(
    private readonly http: CsHttp,
    /** Nodes whose applied categories define names for every upload (templates). */
    private readonly templateNodes: number[] = [],
  ) {}

  /** Definitions known from the template nodes plus `nodeId` (usually the target folder). */
  async definitionsFor(nodeId: number | undefined): Promise<CategoryDefinition[]> {
    const ids = [...(nodeId === undefined ? [] : [nodeId]), ...this.templateNodes];
    const all = (await Promise.all(ids.map((id) => this.ofNode(id)))).flat();
    const seen = new Set<number>();
    return all.filter((d) => !seen.has(d.id) && seen.add(d.id));
  }

  async resolve(input: CategoryInput, nodeId: number | undefined): Promise<JsonObject> {
    return resolveCategoryValues(input, needsDefinitions(input) ? await this.definitionsFor(nodeId) : []);
  }

  forget(): void {
    this.byNode.clear();
  }

  private ofNode(id: number): Promise<CategoryDefinition[]> {
    let p = this.byNode.get(id);
    if (!p) {
      p = this.http.json({ method: 'GET', path: `/v2/nodes/${id}/categories`, query: { metadata: true } }).then(parseCategoryMetadata);
      // A failed read must not stay cached as a failure.
      p.catch(() => this.byNode.delete(id));
      this.byNode.set(id, p);
    }
    return p;
  }
}

/** `{ "Invoice": { "Vendor": "ACME" } }` from a `categories?metadata` answer: what flows read back. */
export function namedCategoryValues(body: unknown): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const item of resultItems(body)) {
    const values = isObject(item.data) && isObject(item.data.categories) ? item.data.categories : {};
    for (const def of definitionsOfItem(item)) {
      const named: Record<string, unknown> = {};
      for (const a of def.attributes) if (a.key in values) named[a.name] = values[a.key];
      out[def.name] = named;
    }
  }
  return out;
}

/**
 * Ids (as strings) of the categories a `GET /v2/nodes/{id}/categories` answer lists as applied: from
 * the metadata when asked for (`metadata_order`), else from the attribute keys of the values
 * (`9830_2` belongs to category 9830), which is all a real server sends without `metadata`.
 */
export function appliedCategoryIds(body: unknown): Set<string> {
  const ids = new Set<string>();
  for (const item of resultItems(body)) {
    for (const def of definitionsOfItem(item)) ids.add(String(def.id));
    const values = isObject(item.data) && isObject(item.data.categories) ? item.data.categories : {};
    for (const k of Object.keys(values)) {
      const id = /^(\d+)_\d+/.exec(k)?.[1];
      if (id) ids.add(id);
    }
  }
  return ids;
}
