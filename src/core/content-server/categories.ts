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

/** Definitions from a `categories?metadata` answer: one entry per applied category. */
export function parseCategoryMetadata(body: unknown): CategoryDefinition[] {
  const out: CategoryDefinition[] = [];
  const results = isObject(body) && Array.isArray(body.results) ? body.results : [];
  for (const r of results) {
    if (!isObject(r) || !isObject(r.metadata) || !isObject(r.metadata.categories)) continue;
    const attrs = Object.entries(r.metadata.categories).filter((e): e is [string, JsonObject] => isObject(e[1]));
    const self = attrs.find(([key]) => /^\d+_1$/.test(key));
    if (!self) continue;
    const id = Number(self[0].split('_')[0]);
    const attributes: AttributeDefinition[] = attrs
      .filter(([key]) => key !== self[0])
      .map(([key, meta]) => ({
        key,
        name: typeof meta.name === 'string' ? meta.name : key,
        type: attributeType(meta),
        multiValue: meta.multi_value === true,
        required: meta.required === true,
        ...(Array.isArray(meta.valid_values) ? { validValues: meta.valid_values.filter((v): v is string => typeof v === 'string') } : {}),
      }));
    out.push({ id, name: typeof self[1].name === 'string' ? self[1].name : String(id), attributes });
  }
  return out;
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
  const defs = parseCategoryMetadata(body);
  const out: Record<string, Record<string, unknown>> = {};
  const results = isObject(body) && Array.isArray(body.results) ? body.results : [];
  for (const r of results) {
    const values = isObject(r) && isObject(r.data) && isObject(r.data.categories) ? r.data.categories : undefined;
    if (!values) continue;
    const selfKey = Object.keys(values).find((k) => /^\d+_1$/.test(k));
    const def = selfKey ? defs.find((d) => d.id === Number(selfKey.split('_')[0])) : undefined;
    if (!def) continue;
    const named: Record<string, unknown> = {};
    for (const a of def.attributes) if (a.key in values) named[a.name] = values[a.key];
    out[def.name] = named;
  }
  return out;
}

/** Ids (as strings) of the categories a `GET /v2/nodes/{id}/categories` answer lists as applied. */
export function appliedCategoryIds(body: unknown): Set<string> {
  const ids = new Set<string>();
  const results = isObject(body) && Array.isArray(body.results) ? body.results : [];
  for (const r of results) {
    const values = isObject(r) && isObject(r.data) && isObject(r.data.categories) ? r.data.categories : {};
    for (const k of Object.keys(values)) if (/^\d+_1$/.test(k)) ids.add(k.split('_')[0]);
  }
  return ids;
}
