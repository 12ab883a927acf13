import { Readable } from 'node:stream';
import { FileBridgeError, errorMessage } from '../errors';
import type { CategoryInput, CollisionPolicy, UploadResult } from './index';

/*
 * What the cs-upload node asks of the client, built from its settings and the message: kept here so
 * the node stays glue and the rules (which name, which folder, which stream may be re-read) are one
 * tested piece.
 */

export const COLLISIONS: readonly CollisionPolicy[] = ['add-version', 'skip-identical', 'rename', 'fail'];

export interface UploadDefaults {
  folder: string;
  createFolders: boolean;
  collision: CollisionPolicy | '';
  /** JSON text by category and attribute name; empty = none. */
  categories: string;
}

export interface PreparedUpload {
  folder: string | number;
  name: string;
  collision: CollisionPolicy;
  createFolders: boolean;
  categories?: CategoryInput;
  open: () => Readable;
  size?: number;
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

/**
 * The content as the client takes it: a factory called once per attempt. Buffers and texts can be
 * sent again; a stream can be read once, so a second call (a retry after part of it was sent, or a
 * content comparison before the write) fails with a clear error instead of sending an empty file.
 */
export function contentSource(payload: unknown): { open: () => Readable; size?: number; stream: boolean } {
  if (Buffer.isBuffer(payload) || typeof payload === 'string') {
    const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
    return { open: () => Readable.from([data]), size: data.length, stream: false };
  }
  if (payload instanceof Readable) {
    let used = false;
    return {
      stream: true,
      open: () => {
        if (used) {
          throw new FileBridgeError('INVALID_INPUT', 'The upload had to be sent again (a retry or re-login), but msg.payload is a stream and was already read: send a Buffer to have failed uploads retried');
        }
        used = true;
        return payload;
      },
    };
  }
  throw new FileBridgeError('INVALID_INPUT', `msg.payload must be a Buffer, a string or a readable stream, got ${payload === null ? 'null' : typeof payload}`);
}

/** The upload for one message: `msg.filebridge.target` fields win over the node's defaults. */
export function prepareUpload(defaults: UploadDefaults, payload: unknown, filename: unknown, givenTarget: unknown): PreparedUpload {
  if (givenTarget !== undefined && !isPlainObject(givenTarget)) {
    throw new FileBridgeError('INVALID_INPUT', 'msg.filebridge.target must be an object such as { folder, name, categories, collision }');
  }
  const target = givenTarget ?? {};
  const folder = target.folder !== undefined ? target.folder : defaults.folder;
  if ((typeof folder !== 'string' || folder.trim() === '') && typeof folder !== 'number') {
    throw new FileBridgeError('INVALID_INPUT', 'No target folder: set "Folder" on the node or msg.filebridge.target.folder (e.g. Enterprise:Inbound/2026 or a node id)');
  }
  // msg.filename from a file-in or watch node may be a path: only its last part names the document.
  const fromFilename = typeof filename === 'string' && filename !== '' ? filename.replace(/\\/g, '/').split('/').pop() : undefined;
  const name = target.name !== undefined ? target.name : fromFilename;
  if (typeof name !== 'string' || name.trim() === '') {
    throw new FileBridgeError('INVALID_INPUT', 'No document name: set msg.filename or msg.filebridge.target.name');
  }
  const collision = target.collision !== undefined ? target.collision : defaults.collision || 'add-version';
  if (!COLLISIONS.includes(collision as CollisionPolicy)) {
    throw new FileBridgeError('INVALID_INPUT', `Unknown collision policy '${String(collision)}': use ${COLLISIONS.join(', ')}`);
  }
  let categories: CategoryInput | undefined;
  if (target.categories !== undefined) {
    if (!isPlainObject(target.categories)) throw new FileBridgeError('INVALID_INPUT', 'msg.filebridge.target.categories must be an object by category and attribute name');
    categories = target.categories;
  } else {
    categories = parseCategoriesText(defaults.categories);
  }
  const source = contentSource(payload);
  if (source.stream && collision === 'skip-identical') {
    // Comparing would read the stream before the write could send it.
    throw new FileBridgeError('INVALID_INPUT', 'skip-identical compares contents before writing, which a stream payload (readable once) cannot do: send a Buffer or use another collision policy');
  }
  return { folder, name, collision: collision as CollisionPolicy, createFolders: defaults.createFolders, categories, open: source.open, size: source.size };
}

/** What the node reports in `msg.filebridge.cs`. */
export function uploadOutcome(prepared: PreparedUpload, result: UploadResult): { id: number; version: number | undefined; name: string; folderId: number; path: string; action: string } {
  const action = result.action === 'created' && prepared.collision === 'rename' && result.name !== prepared.name ? 'renamed' : result.action;
  const f = String(prepared.folder).trim().replace(/\/+$/, '');
  const path = f.includes(':') ? `${f}/${result.name}` : `${f}:${result.name}`;
  return { id: result.id, version: result.version, name: result.name, folderId: result.parentId, path, action };
}
