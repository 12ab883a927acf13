/**
 * Putting a file into a folder under a collision policy. Content Server refuses a second item with
 * the same name (case-insensitively), so "what if it exists" is decided here: look the name up first,
 * and treat a collision answer to the create (someone was faster) as "it exists" too.
 *
 * A new name costs one request when the body may be sent twice: a small watched file that opens
 * again is created straight away and the name looked up only when the server answers that it exists
 * (a clash then sends the body twice, cheap for a small file, impossible for a one-shot stream; its
 * delivery mark tells a retried create that met its own first attempt from a name taken before).
 *
 * A watched file carries its delivery (see delivery-mark.ts): it is written into the description of
 * the document it creates or the version it adds, and before any policy applies to an existing name
 * the document and its versions are searched for it. A re-delivery after a crash therefore stores
 * nothing, whatever the policy; it costs one version-list read when the name exists, nothing when
 * it is new, and never a download.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { FileBridgeError, isFileBridgeError } from '../errors';
import type { CategoryCatalog, CategoryInput } from './categories';
import { carriesDelivery, describe, VERSION_DESCRIPTION_MAX, type Delivery } from './delivery-mark';
import type { LargeFileUploads } from './large-upload';
import { NODE_TYPE, type CsNode, type DocumentInput, type NodeApi } from './nodes';
import type { PathResolver } from './paths';

export type CollisionPolicy = 'add-version' | 'skip-identical' | 'rename' | 'fail';

export interface UploadRequest extends Omit<DocumentInput, 'categories'> {
  /** By name (`{ "Invoice": { "Vendor": "ACME" } }`) or by raw key (`{ "9830_2": "ACME" }`). */
  categories?: CategoryInput;
  /** Folder: `Enterprise:Partners/ACME`, `<id>:sub/path`, or an id. */
  target: string | number;
  collision?: CollisionPolicy;
  createFolders?: boolean;
  /** Add a major version rather than a minor one (on version-controlled documents). */
  majorVersion?: boolean;
  /** The file's length when known: large files then may go through the server's large-file API. */
  size?: number;
  /** The watched file this is (undefined for other payloads): marked on what is stored, and looked for first. */
  delivery?: Delivery;
  /** `open` may be called again and gives the same bytes (a Buffer, or a watched file opened again on its server). */
  reopenable?: boolean;
}

type ResolvedUpload = Omit<UploadRequest, 'categories'> & DocumentInput;

/** A new version of a document known by id (a returned signed copy): no folder, no name lookup, no collision. */
export interface VersionRequest extends Omit<UploadRequest, 'target' | 'collision' | 'createFolders'> {
  document: number;
  /** Add nothing when the latest version has the same content (a file delivered twice, e.g. after a crash before its ack). */
  skipIdentical?: boolean;
}

export interface UploadResult {
  action: 'created' | 'versioned' | 'skipped';
  /** Skipped because this very delivery was filed before (a re-delivery after a crash). */
  redelivered?: boolean;
  id: number;
  parentId: number;
  /** The name the document has (differs from the request after a rename). */
  name: string;
  version: number | undefined;
}

/**
 * The longest item name Content Server accepts, in characters, and the one character it refuses in
 * names: OpenText's own client library says so (pyxecm, `OTCS.MAX_ITEM_NAME_LENGTH = 248` and
 * `cleanse_item_name`: "Item names for sure are not allowed to have ':'", opentext/pyxecm
 * packages/pyxecm/src/pyxecm/otcs.py). Checked here, so a flow gets a clear INVALID_INPUT before
 * anything is sent instead of the server's refusal after the upload.
 */
export const MAX_NAME_LENGTH = 248;

const characters = (text: string): number => [...text].length;

/** Checks a document name against Content Server's rules; the error says what to change. */
export function checkDocumentName(name: string): string {
  if (name.trim() === '' || name.includes('\0')) throw new FileBridgeError('INVALID_INPUT', `Invalid document name '${name.replace(/\0/g, '\\0')}'`);
  if (name.includes(':')) {
    throw new FileBridgeError(
      'INVALID_INPUT',
      `The document name '${name}' contains ':', which Content Server does not allow in names. The file's own name is mapped by itself (':' becomes '：'); a name of your making in msg.filebridge.target.name is used as typed: replace the ':' there (with '：' to match what the mapping gives), or pass the file's own name.`,
      { name },
    );
  }
  const length = characters(name);
  if (length > MAX_NAME_LENGTH) {
    throw new FileBridgeError(
      'INVALID_INPUT',
      `The document name '${name}' has ${length} characters; Content Server allows ${MAX_NAME_LENGTH}. The file's own name is shortened by itself (its start, '~', a hash of the whole name, its extension); a name of your making in msg.filebridge.target.name is used as typed: set a shorter one there, or pass the file's own name.`,
      { name, length, maxLength: MAX_NAME_LENGTH },
    );
  }
  return name;
}

/**
 * `report.pdf` -> `report (2).pdf`, as people name copies. The name part is shortened when the
 * counter would take the name past Content Server's limit: the extension and the counter stay.
 */
export function counterName(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  const base = dot <= 0 ? name : name.slice(0, dot);
  const ext = dot <= 0 ? '' : name.slice(dot);
  const counter = ` (${n})`;
  const room = MAX_NAME_LENGTH - characters(counter) - characters(ext);
  const fitted = characters(base) > room ? [...base].slice(0, Math.max(1, room)).join('').trimEnd() : base;
  return `${fitted}${counter}${ext}`;
}

async function digest(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += b.length;
    hash.update(b);
  }
  return { sha256: hash.digest('hex'), size };
}

const MAX_RENAMES = 1000;

/**
 * Up to this size a source that opens again is created before its name is looked up: a clash then
 * sends the body a second time, which costs less than a lookup for every new file.
 */
export const CREATE_FIRST_MAX_BYTES = 1024 * 1024;

function createsFirst(req: Pick<UploadRequest, 'reopenable' | 'size' | 'delivery'>): boolean {
  // A delivery mark tells our own earlier attempt from a document that was there before.
  return req.delivery !== undefined && req.reopenable === true && req.size !== undefined && req.size <= CREATE_FIRST_MAX_BYTES;
}

export class Uploader {
  constructor(
    private readonly nodes: NodeApi,
    private readonly paths: PathResolver,
    private readonly catalog: CategoryCatalog,
    private readonly large: LargeFileUploads,
  ) {}

  /**
   * The request ready to write: for a large file its parts are sent first (once; the key stays
   * usable when the create collides and a version is added instead).
   */
  private async ready<T extends DocumentInput & { size?: number }>(req: T): Promise<T> {
    if (req.uploadKey === undefined && (await this.large.applies(req.size))) {
      req.uploadKey = await this.large.send(req.open, req.filename ?? req.name, req.size ?? 0, req.mimeType ?? 'application/octet-stream', req.onProgress);
    }
    return req;
  }

  async upload(request: UploadRequest): Promise<UploadResult> {
    const policy = request.collision ?? 'add-version';
    checkDocumentName(request.name);
    const parentId = await this.paths.resolve(request.target, { create: request.createFolders });
    // Names resolved before anything is written, so a wrong attribute name leaves no half-done upload.
    const categories = request.categories ? await this.catalog.resolve(request.categories, parentId) : undefined;
    const req: ResolvedUpload = { ...request, categories };
    const delivery = request.delivery;
    // Created first, the name is looked up after the server's CONFLICT: one round more, so that a
    // name taken and freed again in between still gets the "someone was faster" round of the other order.
    const first = createsFirst(req);
    const rounds = first ? 3 : 2;
    // A node the previous round already looked up (a refusal looked into): not looked up again.
    let found: CsNode | undefined;
    for (let round = 0; round < rounds; round++) {
      const existing = found ?? (first && round === 0 ? undefined : await this.nodes.findChild(parentId, req.name));
      found = undefined;
      if (!existing) {
        try {
          const node = await this.nodes.createDocument(parentId, { ...(await this.ready(req)), description: describe(req.description, delivery) });
          return { action: 'created', id: node.id, parentId, name: node.name, version: 1 };
        } catch (err) {
          if (isFileBridgeError(err) && err.code === 'CONFLICT' && round < rounds - 1) {
            // A retried create that collides may have collided with our own first attempt, which
            // reached the server before its connection dropped: that is a success, not a collision.
            if (typeof err.details.attempts === 'number' && err.details.attempts > 1) {
              // Created first, the name may have been taken before we came: only our mark proves the
              // document ours (equal content would turn a name taken by another into our success).
              const mine = await this.nodes.findChild(parentId, req.name);
              const version =
                mine && mine.type === NODE_TYPE.document
                  ? delivery && carriesDelivery(mine.properties.description, delivery)
                    ? 1
                    : first
                      ? undefined
                      : await this.sameAsLatest(mine.id, req)
                  : undefined;
              if (mine && version !== undefined) return { action: 'created', id: mine.id, parentId, name: mine.name, version };
            }
            // The name exists (created first), or someone was faster than our lookup: decide again.
            continue;
          }
          // A server whose messages are in another language says "exists" in words we do not know
          // (the collision is only recognisable by its English text): created first, a refusal is
          // looked into before it fails the file, so the lookup-first behaviour is never lost.
          if (first && round === 0 && isFileBridgeError(err) && err.code === 'CS_REJECTED') {
            found = await this.nodes.findChild(parentId, req.name);
            if (found) continue;
          }
          throw err;
        }
      }
      const earlier = delivery ? await this.filedBefore(existing, delivery) : undefined;
      if (earlier !== undefined) return { action: 'skipped', redelivered: true, id: existing.id, parentId, name: existing.name, version: earlier };
      return this.onExisting(req, policy, parentId, existing);
    }
    throw new FileBridgeError('CONFLICT', `'${req.name}' kept colliding in folder ${parentId}`, { parentId });
  }

  /**
   * Adds a version to document `request.document`. The node is read first so that an id that names
   * nothing, or a folder, fails with NOT_FOUND before any byte is sent.
   */
  async addVersionTo(request: VersionRequest): Promise<UploadResult> {
    const doc = await this.documentById(request.document);
    // The document's own categories name the attributes (it inherited its folder's when created).
    const categories = request.categories ? await this.catalog.resolve(request.categories, doc.id) : undefined;
    const req = { ...request, categories };
    const earlier = request.delivery ? await this.filedBefore(doc, request.delivery) : undefined;
    if (earlier !== undefined) return { action: 'skipped', redelivered: true, id: doc.id, parentId: doc.parentId ?? -1, name: doc.name, version: earlier };
    if (request.skipIdentical) {
      const same = await this.sameAsLatest(doc.id, req);
      if (same !== undefined) return { action: 'skipped', id: doc.id, parentId: doc.parentId ?? -1, name: doc.name, version: same };
    }
    const v = await this.nodes.addVersion(doc.id, { ...(await this.ready(req)), description: this.versionDescription(req), major: req.majorVersion });
    return { action: 'versioned', id: doc.id, parentId: doc.parentId ?? -1, name: doc.name, version: v.versionNumber };
  }

  private async documentById(id: number): Promise<CsNode> {
    let node: CsNode;
    try {
      node = await this.nodes.get(id);
    } catch (err) {
      if (isFileBridgeError(err) && err.code === 'NOT_FOUND') {
        throw new FileBridgeError(
          'NOT_FOUND',
          `No document ${id} to add a version to: no node has that id (or it is not visible to this user)`,
          { nodeId: id },
          { cause: err },
        );
      }
      throw err;
    }
    if (node.type !== NODE_TYPE.document) {
      throw new FileBridgeError(
        'NOT_FOUND',
        `No document ${id} to add a version to: node ${id} '${node.name}' is not a document (type ${node.type}), so it takes no versions`,
        { nodeId: id, type: node.type },
      );
    }
    return node;
  }

  private async onExisting(req: ResolvedUpload, policy: CollisionPolicy, parentId: number, existing: CsNode): Promise<UploadResult> {
    const conflict = (why: string): FileBridgeError =>
      new FileBridgeError('CONFLICT', `'${existing.name}' already exists in folder ${parentId}${why}`, { parentId, nodeId: existing.id });
    switch (policy) {
      case 'fail':
        throw conflict('');
      case 'rename':
        return this.createRenamed(req, parentId);
      case 'skip-identical':
      case 'add-version': {
        if (existing.type !== NODE_TYPE.document) throw conflict(` and is not a document (type ${existing.type}), so it takes no versions`);
        if (policy === 'skip-identical') {
          const same = await this.sameAsLatest(existing.id, req);
          if (same !== undefined) return { action: 'skipped', id: existing.id, parentId, name: existing.name, version: same };
        }
        const v = await this.nodes.addVersion(existing.id, { ...(await this.ready(req)), description: this.versionDescription(req), major: req.majorVersion });
        return { action: 'versioned', id: existing.id, parentId, name: existing.name, version: v.versionNumber };
      }
    }
  }

  /** A version's description: the user's, and the delivery mark within the 255 characters a version keeps. */
  private versionDescription(req: Pick<UploadRequest, 'description' | 'delivery'>): string | undefined {
    return describe(req.description, req.delivery, VERSION_DESCRIPTION_MAX);
  }

  /**
   * The version this delivery stored earlier in `node`, if it did: version 1 of a document it
   * created (the mark is in the document's description), or a version it added (the mark is in
   * that version's description). One read of the version list; no content is downloaded.
   */
  private async filedBefore(node: CsNode, delivery: Delivery): Promise<number | undefined> {
    if (node.type !== NODE_TYPE.document) return undefined;
    if (carriesDelivery(node.properties.description, delivery)) return 1;
    const versions = await this.nodes.versions(node.id);
    for (let i = versions.length - 1; i >= 0; i--) {
      if (carriesDelivery(versions[i].description, delivery)) return versions[i].versionNumber;
    }
    return undefined;
  }

  /**
   * The latest version's number when its content equals the new file. The API reports no checksum
   * for versions, so sizes are compared first and only equal sizes cost a download and a hash.
   */
  private async sameAsLatest(id: number, req: Pick<ResolvedUpload, 'open'>): Promise<number | undefined> {
    const local = await digest(req.open());
    const latest = await this.nodes.latestVersion(id);
    if (latest.fileSize !== undefined && latest.fileSize !== local.size) return undefined;
    const remote = await this.nodes.download(id, latest.versionNumber);
    const theirs = await digest(remote.stream);
    return theirs.sha256 === local.sha256 && theirs.size === local.size ? latest.versionNumber : undefined;
  }

  private async createRenamed(req: ResolvedUpload, parentId: number): Promise<UploadResult> {
    for (let n = 2; n < MAX_RENAMES; n++) {
      const name = counterName(req.name, n);
      const taken = await this.nodes.findChild(parentId, name);
      if (taken) {
        // The copy this very delivery created before a crash: found by the mark it carries, for free.
        if (req.delivery && taken.type === NODE_TYPE.document && carriesDelivery(taken.properties.description, req.delivery)) {
          return { action: 'skipped', redelivered: true, id: taken.id, parentId, name: taken.name, version: 1 };
        }
        continue;
      }
      try {
        const node = await this.nodes.createDocument(parentId, {
          ...(await this.ready(req)),
          name,
          filename: req.filename ?? name,
          description: describe(req.description, req.delivery),
        });
        return { action: 'created', id: node.id, parentId, name: node.name, version: 1 };
      } catch (err) {
        if (isFileBridgeError(err) && err.code === 'CONFLICT') continue;
        throw err;
      }
    }
    throw new FileBridgeError('CONFLICT', `No free name for '${req.name}' in folder ${parentId} after ${MAX_RENAMES} tries`, { parentId });
  }
}
