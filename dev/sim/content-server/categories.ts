/**
 * Category attribute values: key parsing (`{cat}_{attr}`), type checks with the server's 500
 * "Invalid ..." errors, and the metadata shape the REST API reports.
 */
import { invalid } from './errors';
import type { Value } from './forms';
import type { SeedAttribute, SeedCategory } from './seed';

export type StoredValue = string | number | boolean | null | (string | number | boolean | null)[];
/** Values of one applied category, by flat key `{cat}_{attr}`. */
export type CategoryValues = Record<string, StoredValue>;

/** Numeric type ids as the REST metadata reports them (unverified for Real). */
const TYPE_INFO: Record<SeedAttribute['type'], { type: number; type_name: string }> = {
  string: { type: -1, type_name: 'String' },
  integer: { type: 2, type_name: 'Integer' },
  real: { type: -4, type_name: 'Real' },
  date: { type: -7, type_name: 'Date' },
  boolean: { type: 5, type_name: 'Boolean' },
};

function checkOne(cat: SeedCategory, attr: SeedAttribute, key: string, v: Value): string | number | boolean | null {
  if (v === null || v === '') return null;
  const label = `'${attr.name}' (${key}) of category '${cat.name}'`;
  switch (attr.type) {
    case 'string': {
      if (typeof v !== 'string' && typeof v !== 'number') throw invalid(`Invalid value for attribute ${label}: a string is expected`);
      const s = String(v);
      if (attr.max_length !== undefined && s.length > attr.max_length) {
        throw invalid(`Invalid value for attribute ${label}: longer than ${attr.max_length} characters`);
      }
      if (attr.valid_values && !attr.valid_values.includes(s)) {
        throw invalid(`Invalid value '${s}' for attribute ${label}: not one of ${attr.valid_values.join(', ')}`);
      }
      return s;
    }
    case 'integer': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
      if (!Number.isInteger(n)) throw invalid(`Invalid integer value '${String(v)}' for attribute ${label}`);
      return n;
    }
    case 'real': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(v) ? Number(v) : NaN;
      if (!Number.isFinite(n)) throw invalid(`Invalid real value '${String(v)}' for attribute ${label}`);
      return n;
    }
    case 'date': {
      const m = typeof v === 'string' ? /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(v) : null;
      const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
      if (!m || !d || d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) {
        throw invalid(`Invalid date value '${String(v)}' for attribute ${label}: expected YYYY-MM-DD`);
      }
      // The server keeps the day only and answers in its own format.
      return `${m[1]}-${m[2]}-${m[3]}T00:00:00`;
    }
    case 'boolean': {
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === '1' || v === 1) return true;
      if (v === 'false' || v === '0' || v === 0) return false;
      throw invalid(`Invalid boolean value '${String(v)}' for attribute ${label}`);
    }
  }
}

/** Checks and converts the values of one category; `{cat}_1` (the category itself) is accepted and ignored. */
export function checkValues(cat: SeedCategory, input: Record<string, Value>): CategoryValues {
  const out: CategoryValues = {};
  for (const [key, raw] of Object.entries(input)) {
    const m = /^(\d+)_(\d+)$/.exec(key);
    if (!m || Number(m[1]) !== cat.id) throw invalid(`Invalid attribute key '${key}' for category '${cat.name}' (${cat.id})`);
    const attrId = Number(m[2]);
    if (attrId === 1) continue;
    const attr = cat.attributes.find((a) => a.id === attrId);
    if (!attr) throw invalid(`Invalid attribute key '${key}': category '${cat.name}' has no attribute ${attrId}`);
    if (Array.isArray(raw)) {
      if (!attr.max_values || attr.max_values < 2) throw invalid(`Invalid value for attribute '${attr.name}' (${key}): it takes a single value`);
      if (raw.length > attr.max_values) throw invalid(`Invalid value for attribute '${attr.name}' (${key}): more than ${attr.max_values} values`);
      out[key] = raw.map((r) => checkOne(cat, attr, key, r));
    } else {
      if (typeof raw === 'object' && raw !== null) throw invalid(`Invalid value for attribute '${attr.name}' (${key})`);
      const one = checkOne(cat, attr, key, raw);
      out[key] = attr.max_values && attr.max_values > 1 ? (one === null ? [] : [one]) : one;
    }
  }
  return out;
}

/** Fills attributes not given with empty values and enforces required ones. */
export function completeValues(cat: SeedCategory, values: CategoryValues): CategoryValues {
  const out: CategoryValues = {};
  for (const attr of cat.attributes) {
    const key = `${cat.id}_${attr.id}`;
    const v = values[key];
    const empty = v === undefined || v === null || (Array.isArray(v) && v.length === 0);
    if (attr.required && empty) throw invalid(`Invalid value for attribute '${attr.name}' (${key}): a value is required`);
    out[key] = v !== undefined ? v : attr.max_values && attr.max_values > 1 ? [] : null;
  }
  return out;
}

/**
 * Attribute definitions of one category as `GET /v2/nodes/{id}/categories?metadata` reports them under
 * `metadata.categories` (pyxecm `OTCS.get_node_categories`, captured from a real server): the category
 * itself is the bare id key (`"9830"`, `persona: "category"`), each attribute `{cat}_{attr}` with its
 * name, `type`/`type_name`, `multi_value`, `multi_value_length_max`, `required`, `max_length` and
 * `valid_values`. The category entry's `type`/`type_name` are unverified.
 */
export function attributeMetadata(cat: SeedCategory): Record<string, Record<string, unknown>> {
  const meta: Record<string, Record<string, unknown>> = {
    [String(cat.id)]: {
      key: String(cat.id),
      name: cat.name,
      persona: 'category',
      type: -18,
      type_name: 'Category',
      required: false,
      multi_value: false,
      read_only: true,
      hidden: false,
      next_id: Math.max(1, ...cat.attributes.map((a) => a.id)) + 1,
    },
  };
  for (const attr of cat.attributes) {
    const key = `${cat.id}_${attr.id}`;
    const maxValues = attr.max_values ?? 1;
    meta[key] = {
      key,
      name: attr.name,
      persona: '',
      ...TYPE_INFO[attr.type],
      required: attr.required ?? false,
      multi_value: maxValues > 1,
      multi_value_length_max: maxValues,
      read_only: false,
      hidden: false,
      max_length: attr.max_length ?? null,
      valid_values: attr.valid_values ?? [],
    };
  }
  return meta;
}

/** The attribute keys of a category in their defined order (`metadata_map.categories[<cat>]`). */
export function attributeKeys(cat: SeedCategory): string[] {
  return cat.attributes.map((a) => `${cat.id}_${a.id}`);
}
