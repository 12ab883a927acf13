/**
 * Response shapes: v1 flat (`{"data":..}`), v2 one item (`results.data.properties`), v2 collection
 * (`results[]` + `collection.paging`), and the node property set both versions report.
 */
import type { ContentStore, SimNode, SimVersion } from './store';
import { TYPE_NAMES } from './store';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function links(href: string, method = 'GET'): JsonObject {
  return { data: { self: { body: '', content_type: '', href, method, name: '' } } };
}

export type DateStyle = 'zulu' | 'legacy';

/** Newer servers answer `2025-01-19T06:57:04Z`, older ones `2017-03-08T04:32:15` without a zone. */
export function outDate(iso: string | null, style: DateStyle): string | null {
  if (iso === null || style === 'zulu') return iso;
  return iso.replace(/Z$/, '');
}

export function nodeProperties(store: ContentStore, n: SimNode): JsonObject {
  const container = store.isContainer(n);
  const latest = store.latest(n);
  return {
    id: n.id,
    parent_id: n.parent_id,
    name: n.name,
    type: n.type,
    type_name: TYPE_NAMES[n.type] ?? 'Unknown',
    description: n.description,
    create_date: outDate(n.create_date, store.dateStyle),
    modify_date: outDate(n.modify_date, store.dateStyle),
    owner_user_id: n.owner_user_id,
    create_user_id: n.owner_user_id,
    container,
    container_size: container ? store.children(n.id).length : 0,
    size: latest ? latest.file_size : container ? store.children(n.id).length : 0,
    size_formatted: latest ? `${Math.ceil(latest.file_size / 1024)} KB` : '',
    mime_type: latest ? latest.mime_type : null,
    volume_id: store.volumeId(n),
    reserved: false,
    versions_control_advanced: false,
    external_create_date: n.external_create_date,
    external_modify_date: n.external_modify_date,
    external_source: n.external_source,
    external_identity: n.external_identity,
    external_identity_type: n.external_identity_type,
  };
}

/**
 * One version as `GET /v2/nodes/{id}/versions[/{n}]` reports it under `data.versions` (pyxecm
 * `OTCS.get_document_versions` / `get_document_version`, captured from a real server).
 */
export function versionProperties(n: SimNode, v: SimVersion, style: DateStyle = 'zulu'): JsonObject {
  const ext = /\.([A-Za-z0-9]+)$/.exec(v.file_name)?.[1]?.toLowerCase() ?? '';
  return {
    id: n.id,
    version_id: n.id * 1000 + v.version_number,
    version_number: v.version_number,
    version_number_major: v.version_number_major,
    version_number_minor: v.version_number_minor,
    version_number_name: String(v.version_number),
    name: v.file_name,
    file_name: v.file_name,
    file_size: v.file_size,
    file_type: ext,
    mime_type: v.mime_type,
    create_date: outDate(v.create_date, style),
    modify_date: outDate(v.create_date, style),
    description: v.description,
    owner_id: v.owner_id,
    locked: false,
    locked_date: null,
    locked_user_id: null,
    external_create_date: n.external_create_date,
    external_modify_date: n.external_modify_date,
    external_source: n.external_source,
    external_identity: n.external_identity,
    external_identity_type: n.external_identity_type,
  };
}

/**
 * One entry per applied category, flat attribute keys, as `fields=categories` reports them (an array:
 * pyxecm's `extract_category_data` reads it so). No entry for the category itself: pyxecm looks every
 * data key up among the attribute definitions, which name the category by its bare id only.
 */
export function categoriesArray(n: SimNode): JsonObject[] {
  return Object.values(n.categories).map((values) => ({ ...values }) as JsonObject);
}

export interface Paging {
  page: number;
  limit: number;
  total_count: number;
  page_total: number;
  range_min: number;
  range_max: number;
}

export function paging(total: number, page: number, limit: number): Paging {
  const pageTotal = Math.max(1, Math.ceil(total / limit));
  const rangeMin = total === 0 ? 0 : Math.min(total, (page - 1) * limit + 1);
  const rangeMax = Math.min(total, page * limit);
  return { page, limit, total_count: total, page_total: pageTotal, range_min: rangeMin, range_max: Math.max(rangeMin, rangeMax) };
}

export function v2One(href: string, data: JsonObject, method = 'GET'): JsonObject {
  return { links: links(href, method), results: { data } };
}

export function v2Collection(href: string, items: JsonObject[], page: Paging, sort: string): JsonObject {
  return {
    links: links(href),
    results: items.map((data) => ({ data })),
    collection: {
      paging: { ...page, actual_count: items.length },
      sorting: { sort: [{ key: 'sort', value: sort }] },
    },
  };
}

export function v2Empty(href: string, method: string): JsonObject {
  return { links: links(href, method), results: {} };
}
