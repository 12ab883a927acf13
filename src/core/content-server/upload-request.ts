import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { FileBridgeError, errorMessage } from '../errors';
import type { CategoryInput, CollisionPolicy, UploadResult } from './index';
import { prepareGovernance, type AppliedTarget } from './apply-target';
import type { ContentServerClient } from './client';
import { deliveryOf, type Delivery } from './delivery-mark';
import { folderWithin, parseWorkspaceTarget, type LocatedWorkspace, type WorkspaceTarget } from './workspace-target';
import { checkDocumentName } from './upload';
import { csDocumentName } from './cs-name';
import { lastPathPart } from '../paths';

/*
 * What the cs-upload node asks of the client, built from its settings and the message: kept here so
 * the node stays glue and the rules (which name, which folder, which stream may be re-read) are one
 * tested piece.
 */

export const COLLISIONS: readonly CollisionPolicy[] = ['add-version', 'skip-identical', 'rename', 'fail'];

/**
 * What "If it exists" is when neither the node nor the message says: a file sent again with the same
 * content adds nothing (a re-delivery of a watched file is recognised under every policy; this one
 * also spares a partner's identical re-send a second version).
 */
export const DEFAULT_COLLISION: CollisionPolicy = 'skip-identical';

const ONE_SHOT_STREAM =
  'skip-identical (the default of "If it exists") compares contents before writing, which a stream payload (readable once) cannot do: send a Buffer or a file from a watch node, or choose another collision policy';

export interface UploadDefaults {
  folder: string;
  createFolders: boolean;
  collision: CollisionPolicy | '';
  /** JSON text by category and attribute name; empty = none. */
  categories: string;
  /** RM classification id or path; empty = none. */
  classification?: string;
  /** Hold names, comma-separated; empty = none. */
  holds?: string;
  /** JSON text `{ "member": ["see", ...] }`; empty = none. */
  permissions?: string;
  /** Workflow map id or path started on the document; empty = none. */
  workflow?: string;
}

/** What is applied to the document once it is stored (checked before anything is written). */
export interface Governing {
  classification?: unknown;
  holds?: unknown;
  permissions?: unknown;
  owner?: unknown;
  workflow?: unknown;
}

export interface PreparedUpload {
  /** A document's node id: the file becomes its new version (folder, name and collision do not apply). */
  document?: number;
  /** Relative to the workspace when `workspace` is set (empty = the workspace itself). */
  folder: string | number | undefined;
  workspace?: WorkspaceTarget;
  description?: string;
  governing: Governing;
  name: string;
  collision: CollisionPolicy;
  createFolders: boolean;
  categories?: CategoryInput;
  open: () => Readable;
  size?: number;
  /** `open` gives the same bytes again (a Buffer, or a watched file that opens again on its server). */
  reopenable?: boolean;
  /** The watched file this upload is, when it came from a watch: a re-delivery of it stores nothing. */
  delivery?: Delivery;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v) && !(v instanceof Readable);
}

/** The node's categories text: empty = none; otherwise a JSON object by category and attribute name. */
export function parseCategoriesText(text: string | undefined): CategoryInput | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new FileBridgeError('INVALID_INPUT', `The node's categories are not valid JSON: ${errorMessage(err)}`);
  }
  if (!isPlainObject(parsed)) throw new FileBridgeError('INVALID_INPUT', 'The node\'s categories must be a JSON object, e.g. {"Invoice": {"Vendor": "ACME"}}');
  return parsed;
}

/** The cs-upload node's dialog fields as Node-RED stores them. */
export interface UploadConfigFields {
  folder?: string;
  createFolders?: boolean;
  collision?: CollisionPolicy | '';
  categories?: string;
  classification?: string;
  holds?: string;
  permissions?: string;
  workflow?: string;
}

export function uploadDefaultsFromConfig(f: UploadConfigFields): UploadDefaults {
  return {
    folder: f.folder ?? '',
    createFolders: f.createFolders !== false,
    collision: f.collision ?? '',
    categories: f.categories ?? '',
    classification: f.classification,
    holds: f.holds,
    permissions: f.permissions,
    workflow: f.workflow,
  };
}

/** Where a payload came from, when a node upstream (the watch) says so. */
export interface ReopenableSource {
  /** The file's length as listed, for progress and the large-file API. */
  size?: number;
  /** Opens the same bytes again from the start, for a retry after part of the stream was sent. */
  reopen?: () => Readable;
  /** The watched file (`msg.filebridge.source`), which a re-delivery after a crash shares. */
  source?: unknown;
}

/** The origin of a watch's payload: its size as the watch listed it (`msg.filebridge.source.size`), how to open it again, and the file itself. */
export function reopenableSource(source: unknown, reopen: (() => Readable) | undefined): ReopenableSource {
  if (typeof source !== 'object' || source === null) return {};
  const size = (source as { size?: unknown }).size;
  return { size: typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? size : undefined, reopen, source };
}

/** The delivery an upload stands for: a Buffer's digest is taken from its bytes, a stream's from the watch when known. */
function deliveryFor(origin: ReopenableSource, payload: unknown): Delivery | undefined {
  if (origin.source === undefined) return undefined;
  const bytes = Buffer.isBuffer(payload) ? payload : typeof payload === 'string' ? Buffer.from(payload, 'utf8') : undefined;
  return deliveryOf(origin.source, bytes ? createHash('sha256').update(bytes).digest('hex') : undefined);
}

/**
 * The content as the client takes it: a factory called once per attempt. Buffers and texts can be
 * sent again; a stream can be read once, so a second call (a retry after part of it was sent, or a
 * content comparison before the write) opens the source again when its origin allows, and fails
 * with a clear error otherwise instead of sending an empty file.
 */
export function contentSource(payload: unknown, origin: ReopenableSource = {}): { open: () => Readable; size?: number; stream: boolean; reopenable: boolean } {
  if (Buffer.isBuffer(payload) || typeof payload === 'string') {
    const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
    return { open: () => Readable.from([data]), size: data.length, stream: false, reopenable: true };
  }
  if (payload instanceof Readable) {
    let used = false;
    let current: Readable = payload;
    const reopen = origin.reopen;
    return {
      stream: true,
      reopenable: reopen !== undefined,
      size: origin.size,
      open: () => {
        if (!used) {
          used = true;
          return payload;
        }
        if (reopen) {
          // The attempt before may have stopped reading (Content Server dropped the upload): its
          // stream still holds a pooled connection, which the new one may be waiting for.
          if (!current.destroyed) current.destroy();
          current = reopen();
          return current;
        }
        throw new FileBridgeError(
          'INVALID_INPUT',
          'The upload had to be sent again (a retry or re-login), but msg.payload is a stream and was already read: send a Buffer, or a file from a watch node, to have failed uploads retried',
        );
      },
    };
  }
  throw new FileBridgeError('INVALID_INPUT', `msg.payload must be a Buffer, a string or a readable stream, got ${payload === null ? 'null' : typeof payload}`);
}

/**
 * `msg.filebridge.target.document`: a node id as a number or as digits (what a name pattern extracts
 * from `Contract ACME (CS-48213)_signed.pdf`); anything else is refused rather than guessed at.
 */
export function parseDocumentId(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n === 'number' && Number.isSafeInteger(n) && n > 0) return n;
  throw new FileBridgeError(
    'INVALID_INPUT',
    `msg.filebridge.target.document must be the node id of the document to add a version to (a positive whole number), got ${JSON.stringify(value)}`,
    { document: String(value) },
  );
}

/** The upload for one message: `msg.filebridge.target` fields win over the node's defaults. */
export function prepareUpload(
  defaults: UploadDefaults,
  payload: unknown,
  filename: unknown,
  givenTarget: unknown,
  origin: ReopenableSource = {},
): PreparedUpload {
  if (givenTarget !== undefined && !isPlainObject(givenTarget)) {
    throw new FileBridgeError('INVALID_INPUT', 'msg.filebridge.target must be an object such as { folder, name, categories, collision }');
  }
  const target = givenTarget ?? {};
  const document = parseDocumentId(target.document);
  if (document !== undefined) return prepareVersion(document, defaults, payload, filename, target, origin);
  const workspace = target.workspace !== undefined ? parseWorkspaceTarget(target.workspace) : undefined;
  const folder = target.folder !== undefined ? target.folder : defaults.folder;
  if (folder !== undefined && folder !== null && typeof folder !== 'string' && typeof folder !== 'number') {
    throw new FileBridgeError('INVALID_INPUT', `msg.filebridge.target.folder must be a path or a node id, got ${typeof folder}`);
  }
  const noFolder = (typeof folder !== 'string' || folder.trim() === '') && typeof folder !== 'number';
  if (noFolder && !workspace) {
    throw new FileBridgeError(
      'INVALID_INPUT',
      'No target folder: set "Folder" on the node or msg.filebridge.target.folder (e.g. Enterprise:Inbound/2026 or a node id)',
    );
  }
  const description = descriptionFrom(target);
  const fromFilename = lastPart(filename);
  const given = target.name !== undefined ? target.name : fromFilename;
  if (typeof given !== 'string' || given.trim() === '') {
    throw new FileBridgeError('INVALID_INPUT', 'No document name: set msg.filename or msg.filebridge.target.name');
  }
  // The file's own name (from msg.filename, or passed on unchanged in msg.filebridge.target.name, as a
  // map-metadata rule `{name}` does) is mapped to one Content Server takes (cs-name.ts: ':' -> '：', a
  // long name shortened with a hash), so a file is never refused for its name. A name of the
  // integrator's own making is used as typed, or refused with what to change: they chose it.
  const ownName = target.name === undefined || target.name === fromFilename;
  const name = ownName ? csDocumentName(given) : given;
  checkDocumentName(name);
  const collision = target.collision !== undefined ? target.collision : defaults.collision || DEFAULT_COLLISION;
  if (!COLLISIONS.includes(collision as CollisionPolicy)) {
    throw new FileBridgeError('INVALID_INPUT', `Unknown collision policy '${String(collision)}': use ${COLLISIONS.join(', ')}`);
  }
  const categories = categoriesFrom(defaults, target);
  const source = contentSource(payload, origin);
  if (source.stream && !source.reopenable && collision === 'skip-identical') {
    // Comparing would read the stream before the write could send it.
    throw new FileBridgeError('INVALID_INPUT', ONE_SHOT_STREAM);
  }
  return {
    folder: noFolder ? undefined : folder,
    workspace,
    description,
    governing: governingFrom(defaults, target),
    name,
    collision: collision as CollisionPolicy,
    createFolders: defaults.createFolders,
    categories,
    open: source.open,
    size: source.size,
    reopenable: source.reopenable,
    delivery: deliveryFor(origin, payload),
  };
}

/**
 * msg.filename from a file-in or watch node may be a path: only its last part names the document.
 * A backslash separates folders only in a Windows path (`C:\in\x.pdf`, `\\host\share\x.pdf`); elsewhere
 * it is a character of the name (a watch on a POSIX server sends `a\b.pdf` as it is).
 */
function lastPart(filename: unknown): string | undefined {
  return typeof filename !== 'string' || filename === '' ? undefined : lastPathPart(filename);
}

function descriptionFrom(target: Record<string, unknown>): string | undefined {
  const description = target.description;
  if (description !== undefined && typeof description !== 'string')
    throw new FileBridgeError('INVALID_INPUT', 'msg.filebridge.target.description must be text');
  return description;
}

function categoriesFrom(defaults: UploadDefaults, target: Record<string, unknown>): CategoryInput | undefined {
  if (target.categories === undefined) return parseCategoriesText(defaults.categories);
  if (!isPlainObject(target.categories))
    throw new FileBridgeError('INVALID_INPUT', 'msg.filebridge.target.categories must be an object by category and attribute name');
  return target.categories;
}

/** A new version of a known document: the file's own name is kept as the version's file name. */
function prepareVersion(
  document: number,
  defaults: UploadDefaults,
  payload: unknown,
  filename: unknown,
  target: Record<string, unknown>,
  origin: ReopenableSource,
): PreparedUpload {
  const fromFilename = lastPart(filename);
  const name = fromFilename ?? target.name;
  if (typeof name !== 'string' || name.trim() === '') {
    throw new FileBridgeError('INVALID_INPUT', 'No file name for the new version: set msg.filename (or msg.filebridge.target.name)');
  }
  const description = descriptionFrom(target);
  const categories = categoriesFrom(defaults, target);
  const source = contentSource(payload, origin);
  // Only "skip identical" means something for a known document: the others are about names.
  const skip = (target.collision ?? (defaults.collision || DEFAULT_COLLISION)) === 'skip-identical';
  if (skip && source.stream && !source.reopenable) throw new FileBridgeError('INVALID_INPUT', ONE_SHOT_STREAM);
  return {
    document,
    folder: undefined,
    description,
    governing: governingFrom(defaults, target),
    name,
    collision: skip ? 'skip-identical' : 'add-version',
    createFolders: false,
    categories,
    open: source.open,
    size: source.size,
    reopenable: source.reopenable,
    delivery: deliveryFor(origin, payload),
  };
}

function jsonSetting(text: string | undefined, what: string, example: string): unknown {
  if (text === undefined || text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new FileBridgeError('INVALID_INPUT', `The node's ${what} are not valid JSON (${errorMessage(err)}); expected e.g. ${example}`);
  }
}

/** Message values win per field; node settings fill the rest. */
function governingFrom(defaults: UploadDefaults, target: Record<string, unknown>): Governing {
  const text = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v.trim());
  const holds = text(defaults.holds)
    ?.split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  const workflow = text(defaults.workflow);
  return {
    classification: target.classification ?? text(defaults.classification),
    holds: target.holds ?? holds,
    permissions: target.permissions ?? jsonSetting(defaults.permissions, 'permissions', '{"Partners": ["see", "see_contents"]}'),
    ...(target.owner === undefined ? {} : { owner: target.owner }),
    workflow: target.workflow ?? (workflow === undefined ? undefined : { map: /^\d+$/.test(workflow) ? Number(workflow) : workflow }),
  };
}

export interface UploadOutcome {
  id: number;
  version: number | undefined;
  name: string;
  folderId: number;
  path: string;
  action: string;
  workspace?: LocatedWorkspace;
  /** What was applied after the upload (classification, holds, permissions, owner, workflow). */
  governance?: AppliedTarget;
  /** True when nothing was stored because this very file was filed before (a re-delivery after a crash): `id` and `version` are what it got then. */
  redelivered?: boolean;
}

/**
 * Files one prepared upload: finds (or creates) the workspace, uploads into the folder, and reports
 * what happened. `onProgress` gets the bytes sent so far.
 */
export async function performUpload(client: ContentServerClient, prepared: PreparedUpload, onProgress?: (bytesSent: number) => void): Promise<UploadOutcome> {
  // Names first (holds, members, classification, workflow map): a typo must store nothing.
  const governance = await prepareGovernance(client, prepared.governing);
  if (prepared.document !== undefined) return addVersion(client, prepared.document, prepared, governance, onProgress);
  const workspace = prepared.workspace ? await client.locateWorkspace(prepared.workspace) : undefined;
  const folder = workspace ? folderWithin(workspace.id, prepared.folder) : (prepared.folder as string | number);
  const result = await client.upload({
    target: folder,
    name: prepared.name,
    filename: prepared.name,
    description: prepared.description,
    open: prepared.open,
    size: prepared.size,
    collision: prepared.collision,
    createFolders: prepared.createFolders,
    categories: prepared.categories,
    delivery: prepared.delivery,
    reopenable: prepared.reopenable,
    onProgress,
  });
  const outcome: UploadOutcome = uploadOutcome({ ...prepared, folder }, result);
  if (workspace) outcome.workspace = workspace;
  if (!governance.empty) outcome.governance = await govern(client, prepared, governance, result);
  return outcome;
}

async function addVersion(
  client: ContentServerClient,
  document: number,
  prepared: PreparedUpload,
  governance: Awaited<ReturnType<typeof prepareGovernance>>,
  onProgress?: (bytesSent: number) => void,
): Promise<UploadOutcome> {
  const result = await client.addVersion({
    document,
    name: prepared.name,
    filename: prepared.name,
    description: prepared.description,
    open: prepared.open,
    size: prepared.size,
    categories: prepared.categories,
    skipIdentical: prepared.collision === 'skip-identical',
    delivery: prepared.delivery,
    onProgress,
  });
  const outcome = uploadOutcome({ folder: result.parentId, collision: 'add-version', name: result.name }, result);
  if (!governance.empty) outcome.governance = await govern(client, prepared, governance, result);
  return outcome;
}

/**
 * Applies the governance to what was stored. Identical content filed before (a skipped document or
 * version) is governed again (all of it is idempotent), but its workflow is not started a second time.
 */
async function govern(
  client: ContentServerClient,
  prepared: PreparedUpload,
  governance: Awaited<ReturnType<typeof prepareGovernance>>,
  result: UploadResult,
): Promise<UploadOutcome['governance']> {
  const apply = result.action === 'skipped' ? await prepareGovernance(client, { ...prepared.governing, workflow: undefined }) : governance;
  return apply.apply(result.id);
}

/** What the node reports in `msg.filebridge.cs`. */
export function uploadOutcome(prepared: Pick<PreparedUpload, 'folder' | 'collision' | 'name'>, result: UploadResult): UploadOutcome {
  const action = result.action === 'created' && prepared.collision === 'rename' && result.name !== prepared.name ? 'renamed' : result.action;
  const f = String(prepared.folder ?? result.parentId)
    .trim()
    .replace(/\/+$/, '');
  const path = f.includes(':') ? `${f}/${result.name}` : `${f}:${result.name}`;
  const outcome: UploadOutcome = { id: result.id, version: result.version, name: result.name, folderId: result.parentId, path, action };
  if (result.redelivered) outcome.redelivered = true;
  return outcome;
}
