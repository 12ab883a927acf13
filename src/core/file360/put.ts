/**
 * file360 put: one file into a File 360 folder chosen by a path template.
 *
 * `prepareF360Put` checks everything the message decides (name, folder template and its fields,
 * payload) without a request, so bad input fails before a byte is sent. `performF360Put` then, in
 * this order: resolves (or creates) the folder; looks up every group and user to share with and
 * applies the shares that are not there yet (a wrong name stores nothing); uploads the bytes as a
 * stream with the collision strategy, hashing them (SHA-256) as they go; and records the transfer
 * details as a JSON document `<name>.transfer.json` in the details subfolder. The File 360 contract
 * has no metadata fields on documents (shared/reference/file360-rest.md), so a sidecar document is
 * the one place File 360 itself keeps where a file came from.
 */
import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { FileBridgeError, isFileBridgeError } from '../errors';
import type { ReceivedFileBridge } from '../message';
import { lastPathPart } from '../paths';
import { sourceFactsOf, splitName, type SourceFacts } from '../pipeline/source';
import { ownDigestOf, type OwnDigest } from '../pipeline/source-stream';
import type { CollisionStrategy, File360Client } from './client';
import type { F360PrincipalType, F360Role } from './contract';
import { fillFolderTemplate } from './folder-template';
import type { F360PutSettings, F360ShareSpec } from './put-config';
import { isValidName, type File360Principal, type File360Resource } from './resources';

/** What happened to one share of the target folder. */
export interface F360SharedFacts {
  kind: F360PrincipalType;
  name: string;
  role: F360Role;
  /** `added`: newly shared; `changed`: shared before with another role; `kept`: already shared so. */
  action: 'added' | 'changed' | 'kept';
}

/** `msg.filebridge.file360`. */
export interface F360PutOutcome {
  /** The File 360 server configuration's label. */
  server: string;
  documentId: string;
  /** The name as stored (differs from the file's with collision rename). */
  name: string;
  folderId: string;
  /** `/Suppliers/ACME/2026` below the user's root (`/` = the root). */
  folder: string;
  path: string;
  size: number;
  /** Hex SHA-256 of the bytes sent. */
  sha256: string;
  collision: CollisionStrategy;
  renamed: boolean;
  shared: F360SharedFacts[];
  /** The transfer details document, when recorded. */
  detailsDocumentId?: string;
  /**
   * True when this very watched file (same server, path, size and modification time, sent again after
   * a crash) was found already stored by its transfer details: nothing was uploaded, and the facts
   * are those of the earlier transfer.
   */
  redelivered?: true;
}

/** The transfer details document's content (`<name>.transfer.json`). */
export interface F360TransferDetails {
  format: 'filebridge-transfer-details/1';
  document: { id: string; name: string; path: string; folderId: string; size: number; sha256: string; collision: CollisionStrategy; renamed: boolean };
  /** The watched file it came from; null when the message had no watch source. */
  source: {
    server: string;
    protocol: string;
    host: string;
    port: number;
    path: string;
    name: string;
    size: number;
    mtime: string;
    sha256?: string;
  } | null;
  /** `msg.filename` as received (null when absent). */
  filename: string | null;
  correlationId: string | null;
  transferredAt: string;
}

export interface F360PutInput {
  payload: unknown;
  filename: unknown;
  /** `msg.filebridge` as received (untrusted). */
  facts: ReceivedFileBridge;
  /** Opens the watched file again (for an upload that must be sent again after its stream was read). */
  reopen?: () => Readable;
  /** The label of the File 360 server configuration (`file360://core.opentext.com:443`). */
  server: string;
  now?: Date;
}

export interface PreparedF360Put {
  name: string;
  /** The folder path ('' = the user's root). */
  folder: string;
  collision: CollisionStrategy;
  createFolders: boolean;
  shares: F360ShareSpec[];
  details: F360PutSettings['details'];
  detailsFolder: string;
  size?: number;
  source?: SourceFacts;
  filename: string | null;
  correlationId: string | null;
  server: string;
  at: Date;
  content: HashedContent;
}

/** The details document's name for a stored document: `<name>.transfer.json`, its name cut to fit File 360's 255 characters. */
export function detailsName(name: string): string {
  const suffix = '.transfer.json';
  return `${name.slice(0, 255 - suffix.length)}${suffix}`;
}

/**
 * The bytes to upload, hashed as the upload reads them: each byte of the message's payload is read
 * once (the client replays a stream's first 8 MiB from memory, not from here). When the upload must
 * start over and the payload can be opened again (a Buffer, or a watched file), the hash starts over
 * with it, so the digest is always that of the bytes of the attempt that was stored. A stream that
 * hashes itself (a watched file with the watch's SHA-256 on, or opened again for a retry) is not
 * hashed twice: its own digest is taken when it covers exactly the bytes this attempt sent.
 */
export class HashedContent {
  private hash: Hash | undefined;
  private own: (() => OwnDigest | undefined) | undefined;
  private count = 0;
  private opened = false;

  constructor(
    private readonly payload: Buffer | Readable,
    private readonly reopen?: () => Readable,
  ) {}

  /** What the client is given: a stream read once, or a function opening the content anew. */
  source(): Readable | (() => Readable) {
    if (Buffer.isBuffer(this.payload)) {
      const data = this.payload;
      return () => this.hashed(Readable.from([data]));
    }
    if (!this.reopen) return this.hashed(this.payload);
    const reopen = this.reopen;
    return () => {
      if (!this.opened) {
        this.opened = true;
        return this.hashed(this.payload as Readable);
      }
      if (!(this.payload as Readable).destroyed) (this.payload as Readable).destroy();
      return this.hashed(reopen());
    };
  }

  /** The SHA-256 of the bytes the last attempt read (read once that attempt reached the end). */
  get sha256(): string {
    if (this.hash) return this.hash.copy().digest('hex');
    const own = this.own?.();
    if (own === undefined || own.bytes !== this.count) {
      // Not reached when the upload succeeded: the stream ends (and digests itself) before its last byte is sent.
      throw new FileBridgeError('CONNECTION', 'The file was not read to its end, so it has no SHA-256; send it again.');
    }
    return own.sha256;
  }

  get bytes(): number {
    return this.count;
  }

  /** Lets go of the payload stream (after a failure before or during the upload). */
  release(): void {
    if (!Buffer.isBuffer(this.payload) && !this.payload.destroyed) this.payload.destroy();
  }

  private hashed(stream: Readable): Readable {
    // Its own digest covers every byte it gave out: only the right one if nobody read from it before us.
    this.own = stream.readableDidRead ? undefined : ownDigestOf(stream);
    this.hash = this.own ? undefined : createHash('sha256');
    this.count = 0;
    const hash = this.hash;
    const pass = async function* (this: HashedContent): AsyncGenerator<Buffer> {
      for await (const chunk of stream) {
        const buf = Buffer.isBuffer(chunk) ? chunk : typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk as Uint8Array);
        hash?.update(buf);
        this.count += buf.length;
        yield buf;
      }
    }.bind(this);
    return Readable.from(pass(), { objectMode: false });
  }
}

function plainObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The document name: the last part of `msg.filename`, else the watched file's name. */
function documentName(filename: unknown, source: SourceFacts | undefined): string {
  let name: string | undefined;
  if (typeof filename === 'string' && filename.trim() !== '') name = lastPathPart(filename);
  else if (filename !== undefined && filename !== null && filename !== '') {
    throw new FileBridgeError('INVALID_INPUT', `msg.filename must be text (a file name or path), got ${typeof filename}.`);
  } else if (source) name = source.name;
  if (name === undefined || name === '') {
    throw new FileBridgeError('INVALID_INPUT', 'No document name: set msg.filename (or send a file from a watch node, whose name is used).');
  }
  if (!isValidName(name)) {
    throw new FileBridgeError(
      'INVALID_INPUT',
      `The name ${JSON.stringify(name)} cannot be a File 360 document name: it must be 1-255 characters without / \\ or control characters.`,
      { name },
    );
  }
  return name;
}

/** Checks a message against the settings, without a request: any error here has sent nothing. */
export function prepareF360Put(settings: F360PutSettings, input: F360PutInput): PreparedF360Put {
  const facts = input.facts;
  const source = sourceFactsOf(facts.source);
  const name = documentName(input.filename, source);
  const target = facts.target === undefined ? undefined : plainObject(facts.target);
  if (facts.target !== undefined && !target) throw new FileBridgeError('INVALID_INPUT', 'msg.filebridge.target must be an object such as { folder }.');
  const override = target?.folder;
  if (override !== undefined && override !== null && typeof override !== 'string') {
    throw new FileBridgeError('INVALID_INPUT', `msg.filebridge.target.folder must be a folder path such as Suppliers/ACME/2026, got ${typeof override}.`);
  }
  const template = typeof override === 'string' && override.trim() !== '' ? override.trim() : settings.folder;
  const at = input.now ?? new Date();
  const correlationId = typeof facts.correlationId === 'string' && facts.correlationId !== '' ? facts.correlationId : null;
  const folder = fillFolderTemplate(template, {
    name,
    relativePath: source?.relativePath,
    fields: facts.fields,
    correlationId: correlationId ?? '',
    at,
  });
  if (folder === '' && settings.shares.length > 0) {
    throw new FileBridgeError('INVALID_INPUT', 'File 360 cannot share the root folder: give a Folder (e.g. Suppliers/{fields.supplier}) or remove the shares.');
  }
  const payload = input.payload;
  let content: HashedContent;
  let size: number | undefined;
  if (Buffer.isBuffer(payload) || typeof payload === 'string') {
    const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
    content = new HashedContent(data);
    size = data.length;
  } else if (payload instanceof Readable) {
    if (payload.readableEnded || payload.destroyed) {
      throw new FileBridgeError(
        'INVALID_INPUT',
        'msg.payload is a stream that was already read or closed: send the file from a watch, a remote get or as a Buffer.',
      );
    }
    content = new HashedContent(payload, input.reopen);
    // The watch's size of the file it streams, so the upload can say its length and be checked.
    if (source && Number.isSafeInteger(source.size) && source.size >= 0) size = source.size;
  } else {
    throw new FileBridgeError('INVALID_INPUT', `msg.payload must be a stream, a Buffer or a string, got ${payload === null ? 'null' : typeof payload}.`);
  }
  return {
    name,
    folder,
    collision: settings.collision,
    createFolders: settings.createFolders,
    shares: settings.shares,
    details: settings.details,
    detailsFolder: settings.detailsFolder,
    size,
    source,
    filename: typeof input.filename === 'string' ? input.filename : null,
    correlationId,
    server: input.server,
    at,
    content,
  };
}

const slashPath = (folder: string): string => `/${folder}`;

/** Looks up every group and user first (a wrong name fails before anything changes), then shares what is missing. */
async function applyShares(client: File360Client, folderId: string, shares: F360ShareSpec[]): Promise<F360SharedFacts[]> {
  if (shares.length === 0) return [];
  const principals: File360Principal[] = [];
  for (const s of shares) principals.push(s.kind === 'group' ? await client.findGroup(s.name) : await client.findUser(s.name));
  const current = await client.collaborators(folderId);
  const out: F360SharedFacts[] = [];
  for (let i = 0; i < shares.length; i++) {
    const spec = shares[i];
    const who = principals[i];
    const existing = current.find((c) => c.id === who.id && c.type === who.type);
    if (existing && existing.role === spec.role) {
      out.push({ kind: spec.kind, name: spec.name, role: spec.role, action: 'kept' });
      continue;
    }
    await client.share(folderId, spec.kind === 'group' ? { group: spec.name, role: spec.role } : { user: spec.name, role: spec.role });
    out.push({ kind: spec.kind, name: spec.name, role: spec.role, action: existing ? 'changed' : 'added' });
  }
  return out;
}

export function transferDetails(put: PreparedF360Put, outcome: Omit<F360PutOutcome, 'detailsDocumentId'>): F360TransferDetails {
  const s = put.source;
  return {
    format: 'filebridge-transfer-details/1',
    document: {
      id: outcome.documentId,
      name: outcome.name,
      path: outcome.path,
      folderId: outcome.folderId,
      size: outcome.size,
      sha256: outcome.sha256,
      collision: outcome.collision,
      renamed: outcome.renamed,
    },
    source: s
      ? {
          server: `${s.protocol}://${s.host}:${s.port}`,
          protocol: s.protocol,
          host: s.host,
          port: s.port,
          path: s.path,
          name: s.name,
          size: s.size,
          mtime: s.mtime,
          ...(typeof s.sha256 === 'string' ? { sha256: s.sha256 } : {}),
        }
      : null,
    filename: put.filename,
    correlationId: put.correlationId,
    transferredAt: put.at.toISOString(),
  };
}

/** A details document is a few hundred bytes; anything larger is not one of ours. */
const MAX_DETAILS_BYTES = 64 * 1024;

async function readDetails(client: File360Client, id: string): Promise<F360TransferDetails | undefined> {
  const got = await client.download(id);
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of got.stream) {
    const buf = chunk as Buffer;
    total += buf.length;
    if (total > MAX_DETAILS_BYTES) {
      got.stream.destroy();
      return undefined;
    }
    parts.push(buf);
  }
  try {
    const parsed = JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown;
    const d = plainObject(parsed);
    const doc = plainObject(d?.document);
    if (d?.format !== 'filebridge-transfer-details/1' || !doc || typeof doc.id !== 'string') return undefined;
    return parsed as F360TransferDetails;
  } catch {
    return undefined;
  }
}

function sameDelivery(details: F360TransferDetails, s: SourceFacts): boolean {
  const d = plainObject(details.source);
  return (
    d !== undefined && d.protocol === s.protocol && d.host === s.host && d.port === s.port && d.path === s.path && d.size === s.size && d.mtime === s.mtime
  );
}

/**
 * A watched file sent again (attempt 2 and later: the run before may have stored it and died before
 * its ack): its earlier transfer, found by the details documents of the target folder that record
 * the same source file, whose document is still there with the recorded size. Costs one listing of
 * the details folder, and only for a file sent again.
 */
async function earlierDelivery(
  client: File360Client,
  folder: File360Resource,
  put: PreparedF360Put,
): Promise<{ doc: File360Resource; details: F360TransferDetails; detailsId: string } | undefined> {
  const source = put.source;
  if (put.details !== 'record' || !source || !(typeof source.attempt === 'number' && source.attempt > 1)) return undefined;
  let detailsFolder: File360Resource;
  try {
    detailsFolder = await client.resolveFolder(put.folder === '' ? put.detailsFolder : `${put.folder}/${put.detailsFolder}`);
  } catch (err) {
    if (isFileBridgeError(err) && err.code === 'NOT_FOUND') return undefined;
    throw err;
  }
  const { base } = splitName(put.name);
  for await (const child of client.listChildren(detailsFolder.id)) {
    if (child.kind !== 'document' || !child.name.startsWith(base) || !child.name.endsWith('.transfer.json')) continue;
    if (child.size !== undefined && child.size > MAX_DETAILS_BYTES) continue;
    const details = await readDetails(client, child.id);
    if (!details || !sameDelivery(details, source)) continue;
    let doc: File360Resource;
    try {
      doc = await client.document(details.document.id);
    } catch (err) {
      if (isFileBridgeError(err) && err.code === 'NOT_FOUND') continue;
      throw err;
    }
    if (doc.parentId === folder.id && doc.size === details.document.size) return { doc, details, detailsId: child.id };
  }
  return undefined;
}

/** Does the put: folder, shares, upload (hashed while streamed), transfer details. */
export async function performF360Put(client: File360Client, put: PreparedF360Put, onProgress?: (sent: number) => void): Promise<F360PutOutcome> {
  let uploaded = false;
  try {
    const folder: File360Resource = await client.resolveFolder(put.folder, { create: put.createFolders });
    const shared = await applyShares(client, folder.id, put.shares);
    const folderPath = slashPath(put.folder).replace(/\/$/, '');
    const earlier = await earlierDelivery(client, folder, put);
    if (earlier) {
      // Stored by the run before, which did not live to ack it: not stored a second time.
      put.content.release();
      const d = earlier.details.document;
      return {
        server: put.server,
        documentId: earlier.doc.id,
        name: earlier.doc.name,
        folderId: folder.id,
        folder: folderPath === '' ? '/' : folderPath,
        path: `${folderPath}/${earlier.doc.name}`,
        size: d.size,
        sha256: d.sha256,
        collision: put.collision,
        renamed: earlier.doc.name !== put.name,
        shared,
        detailsDocumentId: earlier.detailsId,
        redelivered: true,
      };
    }
    const source = put.content.source();
    let progress: ReturnType<typeof setInterval> | undefined;
    if (onProgress) progress = setInterval(() => onProgress(put.content.bytes), 1000);
    let doc: File360Resource;
    try {
      doc = await client.upload(folder.id, put.name, source, { collision: put.collision, ...(put.size !== undefined ? { size: put.size } : {}) });
    } catch (err) {
      if (isFileBridgeError(err) && err.code === 'CONFLICT' && put.collision === 'fail') {
        throw new FileBridgeError(
          'CONFLICT',
          `File 360 already has a document "${put.name}" in ${slashPath(put.folder)}, and If it exists is "fail": nothing was stored. ` +
            'Choose overwrite or rename, or move the document away, then send the file again.',
          { name: put.name, folder: slashPath(put.folder) },
          { cause: err },
        );
      }
      throw err;
    } finally {
      if (progress) clearInterval(progress);
    }
    uploaded = true;
    const size = put.content.bytes;
    if (doc.size !== undefined && doc.size !== size) {
      throw new FileBridgeError('CONNECTION', `File 360 stored ${doc.size} bytes of "${put.name}" where ${size} were sent; send the file again.`, {
        documentId: doc.id,
      });
    }
    const outcome: F360PutOutcome = {
      server: put.server,
      documentId: doc.id,
      name: doc.name,
      folderId: folder.id,
      folder: folderPath === '' ? '/' : folderPath,
      path: `${folderPath}/${doc.name}`,
      size,
      sha256: put.content.sha256,
      collision: put.collision,
      renamed: doc.name !== put.name,
      shared,
    };
    if (put.details === 'record') {
      const detailsFolder = await client.resolveFolder(put.folder === '' ? put.detailsFolder : `${put.folder}/${put.detailsFolder}`, { create: true });
      const body = Buffer.from(`${JSON.stringify(transferDetails(put, outcome), null, 2)}\n`, 'utf8');
      // Overwrite: the details of a file put again describe its latest transfer.
      const details = await client.upload(detailsFolder.id, detailsName(doc.name), () => Readable.from([body]), { collision: 'overwrite', size: body.length });
      outcome.detailsDocumentId = details.id;
    }
    return outcome;
  } catch (err) {
    if (!uploaded) put.content.release();
    throw err;
  }
}
