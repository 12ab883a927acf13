/**
 * What an export node is asked to do: its settings with the message's overrides
 * (`msg.filebridge.export`), checked, so bad input fails before anything is listed or sent.
 */
import { FileBridgeError } from '../errors';
import type { AttributeFilter } from './client';
import type { ExportSettings, ExportedDocument } from './export-run';
import type { OnRefusal } from './export-refusal';
import type { ExportReportFacts, FileBridgeFacts } from '../message';

/** The node's dialog fields. */
export interface ExportConfigFields {
  mode?: string;
  folder?: string;
  recursive?: boolean;
  filterCategory?: string;
  filterAttribute?: string;
  filterValue?: string;
  nameGlob?: string;
  onlyChanged?: boolean;
  /** KiB; documents up to this size travel as a Buffer; 0 or empty = always a stream. */
  bufferLimit?: string | number;
  /** Seconds a payload stream may sit unread; 0 = no limit. */
  idleTimeout?: string | number;
  includeCategories?: boolean;
  /** SHA-256 of each delivered document in the run report. */
  checksums?: boolean;
  /** Document mode: version to send; empty = latest. */
  version?: string | number;
  /**
   * `confirmed`: a document is delivered once its message comes back to the node's input (from the
   * node that stored it, or a Complete node); `read` (also when absent, as in flows made before the
   * option existed): once its payload was read to the end.
   */
  deliveredWhen?: string;
  /**
   * A document the flow refuses for good (INVALID_INPUT, VALIDATION, MAPPING): `stop` the run (also
   * when absent, as in flows made before the option: they keep stopping) or `skip` it, report it and go on.
   */
  onRefusal?: string;
}

export type ExportRequest =
  | { mode: 'changes'; folder: string | number; recursive: boolean; where?: AttributeFilter; nameGlob?: string; onlyChanged: boolean; settings: ExportSettings }
  | { mode: 'document'; id: number | string; version?: number; where?: AttributeFilter; settings: ExportSettings };

export const DEFAULT_IDLE_TIMEOUT_S = 300;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function blank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

function number(v: unknown, what: string, min: number, fallback: number): number {
  if (blank(v)) return fallback;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isFinite(n) || n < min) throw new FileBridgeError('INVALID_INPUT', `${what} must be a number of at least ${min}, got '${String(v)}'`);
  return n;
}

function nodeId(v: unknown, what: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n <= 0) {
    throw new FileBridgeError(
      'INVALID_INPUT',
      `${what} must be a Content Server node id (a positive whole number), got ${JSON.stringify(v) ?? String(v)}: put the id (or a path such as "Enterprise:Partners/contract.pdf") in msg.payload or msg.filebridge.export.id`,
    );
  }
  return n;
}

/** A document id, or its path (`Enterprise:Partners/ACME/contract.pdf`, `2000:a/b.pdf`), as a retransmission request names it. */
function documentRef(v: unknown): number | string {
  if (typeof v === 'string' && v.includes(':') && v.trim() !== '') return v.trim();
  return nodeId(v, 'The document id');
}

function folderValue(v: unknown): string | number {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  if (typeof v === 'string' && v.trim() !== '') return /^\d+$/.test(v.trim()) ? Number(v.trim()) : v.trim();
  throw new FileBridgeError(
    'INVALID_INPUT',
    `The folder to export is missing or not a path/id (got ${JSON.stringify(v) ?? String(v)}): set it in the node or in msg.filebridge.export.folder, e.g. "Enterprise:Inbound" or 2200`,
  );
}

function attributeFilter(def: ExportConfigFields, override: unknown): AttributeFilter | undefined {
  if (override !== undefined) {
    if (override === null || override === false) return undefined;
    if (!isRecord(override) || typeof override.category !== 'string' || typeof override.attribute !== 'string') {
      throw new FileBridgeError('INVALID_INPUT', 'msg.filebridge.export.where must be {"category": "...", "attribute": "...", "equals": value}');
    }
    const equals = override.equals ?? override.value;
    if (typeof equals !== 'string' && typeof equals !== 'number' && typeof equals !== 'boolean') {
      throw new FileBridgeError('INVALID_INPUT', 'msg.filebridge.export.where.equals must be a string, number or boolean');
    }
    return { category: override.category, attribute: override.attribute, equals };
  }
  const category = (def.filterCategory ?? '').trim();
  const attribute = (def.filterAttribute ?? '').trim();
  if (category === '' && attribute === '') return undefined;
  if (category === '' || attribute === '')
    throw new FileBridgeError('INVALID_INPUT', 'The attribute filter needs both a category and an attribute name (or neither)');
  return { category, attribute, equals: def.filterValue ?? '' };
}

function deliveredWhen(value: unknown): boolean {
  if (blank(value) || value === 'read') return false;
  if (value === 'confirmed') return true;
  throw new FileBridgeError('INVALID_INPUT', `Unknown "Delivered when" '${String(value)}': use confirmed or read`);
}

function onRefusal(value: unknown): OnRefusal {
  if (blank(value) || value === 'stop') return 'stop';
  if (value === 'skip') return 'skip';
  throw new FileBridgeError(
    'INVALID_INPUT',
    `Unknown "Refused for good" '${String(value)}' (what to do with a document the flow refuses for good): use stop or skip`,
  );
}

/**
 * Builds the request. `configFolder` is the dialog's folder already evaluated (it may come from
 * msg/env); `msg.filebridge.export` overrides folder, recursive, where, nameGlob, id and version.
 */
export function exportRequestFromConfig(def: ExportConfigFields, payload: unknown, overrides: unknown, configFolder: unknown): ExportRequest {
  if (overrides !== undefined && !isRecord(overrides)) throw new FileBridgeError('INVALID_INPUT', 'msg.filebridge.export must be an object');
  const o = overrides ?? {};
  const settings: ExportSettings = {
    bufferLimit: Math.round(number(def.bufferLimit, 'Buffer limit (KiB)', 0, 0) * 1024),
    idleTimeoutMs: Math.round(number(def.idleTimeout, 'Unread stream timeout (s)', 0, DEFAULT_IDLE_TIMEOUT_S) * 1000),
    includeCategories: def.includeCategories === true,
    sha256: def.checksums === true,
    ...(deliveredWhen(def.deliveredWhen) ? { confirm: true } : {}),
    ...(onRefusal(def.onRefusal) === 'skip' ? { onRefusal: 'skip' as const } : {}),
  };
  const mode = def.mode || 'changes';
  if (mode === 'document') {
    const id = documentRef(o.id ?? payload);
    const rawVersion = o.version ?? def.version;
    const version = blank(rawVersion) ? undefined : number(rawVersion, 'The version', 1, 1);
    if (version !== undefined && !Number.isInteger(version))
      throw new FileBridgeError('INVALID_INPUT', `The version must be a whole number, got ${String(rawVersion)}`);
    const where = attributeFilter(def, o.where);
    return { mode: 'document', id, version, ...(where ? { where } : {}), settings };
  }
  if (mode !== 'changes') throw new FileBridgeError('INVALID_INPUT', `Unknown export mode '${mode}': use changes or document`);
  const glob = typeof o.nameGlob === 'string' ? o.nameGlob.trim() : (def.nameGlob ?? '').trim();
  return {
    mode: 'changes',
    folder: folderValue(o.folder ?? configFolder),
    recursive: typeof o.recursive === 'boolean' ? o.recursive : def.recursive === true,
    where: attributeFilter(def, o.where),
    nameGlob: glob === '' ? undefined : glob,
    onlyChanged: def.onlyChanged !== false,
    settings,
  };
}

/**
 * Triggers with the same key ask for the same run, so one arriving while an identical one waits adds
 * nothing. Triggers naming different folders (from msg, flow, env) or overrides are different runs;
 * a reset and a one-document request are never merged (undefined).
 */
export function triggerKey(fields: ExportConfigFields, reset: boolean, overrides: unknown, folder: unknown): string | undefined {
  if (reset || fields.mode === 'document') return undefined;
  return JSON.stringify([overrides ?? null, folder ?? null]);
}

/** The message of one exported document (without `_msgid`, which the runtime's id generator gives). */
export function documentMessage(
  doc: ExportedDocument,
  runId: string,
  mode: ExportRequest['mode'],
  topic: unknown,
): { payload: ExportedDocument['payload']; filename: string; topic?: unknown; filebridge: FileBridgeFacts } {
  return {
    payload: doc.payload,
    filename: doc.filename,
    ...(topic === undefined ? {} : { topic }),
    filebridge: {
      correlationId: `${runId}-${doc.index}`,
      cs: doc.cs,
      export: { runId, mode, index: doc.index, count: doc.count },
    },
  };
}

/** What `msg.filebridge.export` of the run report says about the request. */
export function reportFacts(request: ExportRequest, runId: string): ExportReportFacts {
  return { runId, mode: request.mode, ...(request.mode === 'changes' ? { folder: request.folder } : { id: request.id }) };
}
