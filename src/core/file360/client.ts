/**
 * The File 360 client: one connection's token, retries and calls (see http.ts), and the operations
 * the nodes need: folders by path (names matched exactly, created on request), paged listings,
 * streamed upload and download, move, delete, and sharing with groups or users by name.
 */
import type { Readable } from 'node:stream';
import { FileBridgeError, isFileBridgeError } from '../errors';
import { File360Tokens } from './auth';
import {
  F360_BODIES,
  F360_CHILDREN_QUERY,
  F360_COLLISION_STRATEGIES,
  F360_DEFAULT_ORDER,
  F360_ROUTES,
  F360_SEARCH_QUERY,
  F360_UPLOAD_QUERY,
  type F360PrincipalType,
  type F360Role,
} from './contract';
import { F360Http, type F360Stats } from './http';
import { multipartLayout, UploadSource } from './multipart';
import {
  idOf,
  isRole,
  isValidName,
  parseCollaborators,
  parseMe,
  parsePrincipals,
  parseResource,
  listItems,
  type File360Collaborator,
  type File360Principal,
  type File360Resource,
  type File360User,
} from './resources';

export interface File360Options {
  /** API base, e.g. https://core.opentext.com (no trailing slash needed). */
  apiUrl: string;
  /** SSO (OTDS) base serving /otdsws/oauth2/token, e.g. https://sso.core.opentext.com. */
  ssoUrl: string;
  clientId: string;
  clientSecret: string;
  /** With a user name the password grant is used, else client credentials. */
  username?: string;
  password?: string;
  /** An answer must start within this, and a transfer must not stall longer (ms). Default 60 s. */
  timeoutMs?: number;
  /** Retries after 5xx and connection failures. Default 5. */
  maxRetries?: number;
  /** Retries of 429 answers (after their Retry-After). Default 30. */
  maxRateLimitedRetries?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Items asked per page of a folder listing. Default 100. */
  pageSize?: number;
}

export type CollisionStrategy = (typeof F360_COLLISION_STRATEGIES)[number];

export interface UploadOptions {
  /** The file's size in bytes when known: sent as the body's Content-Length, and checked. */
  size?: number;
  collision: CollisionStrategy;
}

export type PrincipalRef = { group: string; user?: undefined } | { user: string; group?: undefined };
export type ShareRequest = PrincipalRef & { role: F360Role };

export interface File360Download {
  stream: Readable;
  name: string;
  size?: number;
  contentType?: string;
}

export interface File360ConnectionReport {
  user: string;
  userId: string;
  rootId: string;
  folder?: { path: string; id: string };
}

const DEFAULTS = { timeoutMs: 60_000, maxRetries: 5, maxRateLimitedRetries: 30, retryBaseMs: 500, retryMaxMs: 30_000, pageSize: 100 };

function normaliseUrl(value: unknown, what: string): string {
  const text = typeof value === 'string' ? value.trim() : '';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FileBridgeError('INVALID_INPUT', `The File 360 ${what} "${text}" is not a URL, such as https://core.opentext.com.`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username || url.password) {
    throw new FileBridgeError('INVALID_INPUT', `The File 360 ${what} must be a plain http(s) base URL such as https://core.opentext.com; got "${text}".`);
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/** An id given by a caller (from a message): checked before it goes into a path. */
function checkId(id: unknown, what: string): string {
  const ok = idOf(id);
  if (ok === undefined) throw new FileBridgeError('INVALID_INPUT', `The File 360 ${what} id ${JSON.stringify(id)} is not an id (ids are long digit strings).`);
  return ok;
}

function checkName(name: unknown, what: string): string {
  if (typeof name !== 'string' || !isValidName(name)) {
    throw new FileBridgeError(
      'INVALID_INPUT',
      `The ${what} name ${JSON.stringify(name)} cannot be used in File 360: it must be 1-255 characters without / \\ or control characters, and not . or ..`,
    );
  }
  return name;
}

/** The path's folder names; `/`-separated, empty parts (leading, trailing, doubled slashes) ignored. */
export function folderPathParts(path: string): string[] {
  if (typeof path !== 'string') throw new FileBridgeError('INVALID_INPUT', 'The File 360 folder path must be text such as Suppliers/ACME/2026.');
  return path
    .split('/')
    .filter((p) => p !== '')
    .map((p) => checkName(p, 'folder'));
}

export class File360Client {
  readonly http: F360Http;
  readonly tokens: File360Tokens;
  private readonly pageSize: number;
  private user: Promise<File360User> | undefined;

  constructor(options: File360Options) {
    const apiUrl = normaliseUrl(options.apiUrl, 'API URL');
    const ssoUrl = normaliseUrl(options.ssoUrl, 'sign-in (SSO) URL');
    if (typeof options.clientId !== 'string' || options.clientId.trim() === '') {
      throw new FileBridgeError('INVALID_INPUT', 'The File 360 client id is missing: copy it from the tenant\'s "OAuth Confidential Clients".');
    }
    if (typeof options.clientSecret !== 'string' || options.clientSecret === '') {
      throw new FileBridgeError('AUTHENTICATION', 'The File 360 client secret is missing: enter it in the File 360 connection.');
    }
    if (options.username && !options.password) {
      throw new FileBridgeError(
        'AUTHENTICATION',
        'A File 360 user name is set but no password: enter the password, or clear the user name to sign in as the client.',
      );
    }
    const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof DEFAULTS & File360Options;
    this.pageSize = Math.max(1, Math.min(1000, Math.floor(o.pageSize)));
    this.tokens = new File360Tokens({
      ssoUrl,
      clientId: options.clientId.trim(),
      clientSecret: options.clientSecret,
      username: options.username || undefined,
      password: options.password,
      timeoutMs: o.timeoutMs,
    });
    this.http = new F360Http({
      apiUrl,
      tokens: this.tokens,
      timeoutMs: o.timeoutMs,
      maxRetries: o.maxRetries,
      maxRateLimitedRetries: o.maxRateLimitedRetries,
      retryBaseMs: o.retryBaseMs,
      retryMaxMs: o.retryMaxMs,
    });
  }

  get stats(): F360Stats {
    return this.http.stats;
  }

  /** The signed-in user (id, root folder id, name), read once per client. */
  me(): Promise<File360User> {
    this.user ??= (async () => {
      const r = F360_ROUTES.me;
      return parseMe(await this.http.json(r.method, r.path(), { what: 'read the signed-in user' }), `${r.method} ${r.path()}`);
    })().catch((err: unknown) => {
      this.user = undefined;
      throw err;
    });
    return this.user;
  }

  /**
   * The folder's children, page by page (`limit`/`offset`). Paging stops on an empty page, or on a
   * page shorter than both the page size asked and the longest page seen before: a server that
   * serves fewer per page than asked is still read to the end. An item seen on an earlier page (the
   * listing moved while it was read) is given once.
   */
  async *listChildren(folderId: string, opts: { order?: string; pageSize?: number } = {}): AsyncGenerator<File360Resource> {
    const id = checkId(folderId, 'folder');
    const r = F360_ROUTES.children;
    const q = F360_CHILDREN_QUERY;
    const limit = opts.pageSize ?? this.pageSize;
    const seen = new Set<string>();
    let offset = 0;
    let longest = 0;
    for (let page = 0; page < 100_000; page++) {
      const body = await this.http.json(
        r.method,
        r.path(id),
        { what: 'list the folder', target: `folder ${id}` },
        { [q.limit]: limit, [q.offset]: offset, [q.order]: opts.order ?? F360_DEFAULT_ORDER, [q.filter]: q.filterAny },
      );
      const items = listItems(body, `${r.method} ${r.path(id)}`);
      for (const item of items) {
        const res = parseResource(item, `${r.method} ${r.path(id)}`);
        if (seen.has(res.id)) continue;
        seen.add(res.id);
        yield res;
      }
      if (items.length === 0) return;
      if (items.length < limit && items.length < longest) return;
      longest = Math.max(longest, items.length);
      offset += items.length;
    }
  }

  /** The first child named exactly `name` (and of `kind`, when given). */
  async findChild(parentId: string, name: string, kind?: 'folder' | 'document'): Promise<File360Resource | undefined> {
    for await (const child of this.listChildren(parentId)) if (child.name === name && (kind === undefined || child.kind === kind)) return child;
    return undefined;
  }

  /**
   * The folder at `path` below the user's root (`Suppliers/ACME/2026`), each name matched exactly
   * (case and all); missing folders are created when `create` is set, else NOT_FOUND.
   */
  async resolveFolder(path: string, opts: { create?: boolean } = {}): Promise<File360Resource> {
    const parts = folderPathParts(path);
    const me = await this.me();
    let current: File360Resource = { id: me.rootId, name: '', kind: 'folder' };
    const done: string[] = [];
    for (const name of parts) {
      let next: File360Resource | undefined;
      let document = false;
      for await (const child of this.listChildren(current.id)) {
        if (child.name !== name) continue;
        if (child.kind === 'folder') {
          next = child;
          break;
        }
        document = true;
      }
      if (!next && document) {
        throw new FileBridgeError(
          'CONFLICT',
          `File 360 has a document named "${name}" in "${done.join('/') || '/'}" where the folder path "${parts.join('/')}" needs a folder.`,
          {
            path: parts.join('/'),
          },
        );
      }
      if (!next && !opts.create) {
        throw new FileBridgeError('NOT_FOUND', `File 360 has no folder "${name}" in "${done.join('/') || '/'}" (looking for "${parts.join('/')}").`, {
          path: parts.join('/'),
        });
      }
      next ??= await this.createFolder(current.id, name);
      done.push(name);
      current = next;
    }
    return current;
  }

  /**
   * Creates a folder. A create is not repeated blindly (it could make two); when it fails in a way
   * that may hide a success (the name is taken, the answer was lost), the folder is looked up by name.
   */
  async createFolder(parentId: string, name: string): Promise<File360Resource> {
    const parent = checkId(parentId, 'parent folder');
    checkName(name, 'folder');
    const r = F360_ROUTES.createFolder;
    try {
      const body = await this.http.json(
        r.method,
        r.path(),
        { what: 'create the folder', target: `"${name}"`, idempotent: false },
        undefined,
        F360_BODIES.createFolder(name, parent),
      );
      return parseResource(body, `${r.method} ${r.path()}`, 'folder');
    } catch (err) {
      if (isFileBridgeError(err) && (err.code === 'CONFLICT' || err.code === 'CONNECTION' || err.code === 'TIMEOUT')) {
        const existing = await this.findChild(parent, name, 'folder').catch(() => undefined);
        if (existing) return existing;
      }
      throw err;
    }
  }

  /**
   * Uploads `source` as `name` into the folder, streamed (multipart built as a stream; Content-Length
   * when `size` is given). `source` may be a function opening the file: then every retry reads it anew.
   * A stream is sent again only while its first 8 MiB were not passed on (kept to replay). With the
   * collision strategy rename an upload is repeated only when nothing can have been stored (a lost
   * answer would otherwise leave a second document): then a CONNECTION error says to send it again.
   */
  async upload(parentId: string, name: string, source: Readable | (() => Readable), opts: UploadOptions): Promise<File360Resource> {
    const parent = checkId(parentId, 'parent folder');
    checkName(name, 'document');
    if (!(F360_COLLISION_STRATEGIES as readonly string[]).includes(opts.collision)) {
      throw new FileBridgeError('INVALID_INPUT', `The collision strategy "${String(opts.collision)}" is not one of ${F360_COLLISION_STRATEGIES.join(', ')}.`);
    }
    if (opts.size !== undefined && !(Number.isSafeInteger(opts.size) && opts.size >= 0)) {
      throw new FileBridgeError('INVALID_INPUT', `The size ${String(opts.size)} of the file to upload is not a number of bytes.`);
    }
    const r = F360_ROUTES.upload;
    const layout = multipartLayout(parent, name, opts.size);
    let body: unknown;
    try {
      body = await this.http.upload(
        r.path(),
        { [F360_UPLOAD_QUERY.collisionStrategy]: opts.collision },
        layout,
        new UploadSource(source),
        opts.size,
        // Sent twice, overwrite lands on the same document and fail answers 409 (handled below); rename
        // would store a second document, so an upload with rename is repeated only when nothing was stored.
        { what: 'upload', target: `"${name}"`, idempotent: opts.collision !== 'rename' },
      );
    } catch (err) {
      // fail: a 409 on a retry after a lost answer is our own first upload when the document is there with our size.
      if (opts.collision === 'fail' && isFileBridgeError(err) && err.code === 'CONFLICT' && err.details.afterUncertainRetry === true) {
        const mine = await this.findChild(parent, name, 'document').catch(() => undefined);
        if (mine && (opts.size === undefined || mine.size === opts.size)) return mine;
      }
      throw err;
    }
    return parseResource(body, `${r.method} ${r.path()}`, 'document');
  }

  /** A document's content as a stream (with backpressure), its name and size. */
  async download(documentId: string): Promise<File360Download> {
    const id = checkId(documentId, 'document');
    const r = F360_ROUTES.content;
    const got = await this.http.download(r.path(id), { what: 'download', target: `document ${id}` });
    let name = got.filename !== undefined && isValidName(got.filename) ? got.filename : undefined;
    if (name === undefined) {
      try {
        name = (await this.document(id)).name;
      } catch (err) {
        got.stream.destroy();
        throw err;
      }
    }
    const out: File360Download = { stream: got.stream, name };
    if (got.size !== undefined) out.size = got.size;
    if (got.contentType !== undefined) out.contentType = got.contentType;
    return out;
  }

  async document(documentId: string): Promise<File360Resource> {
    const id = checkId(documentId, 'document');
    const r = F360_ROUTES.document;
    return parseResource(
      await this.http.json(r.method, r.path(id), { what: 'read the document', target: `document ${id}` }),
      `${r.method} ${r.path(id)}`,
      'document',
    );
  }

  /** Moves a document into another folder. */
  async move(documentId: string, parentId: string): Promise<void> {
    const id = checkId(documentId, 'document');
    const parent = checkId(parentId, 'folder');
    const r = F360_ROUTES.moveDocument;
    await this.http.json(r.method, r.path(id), { what: 'move', target: `document ${id}` }, undefined, F360_BODIES.move(parent));
  }

  /** Moves a document (or, with kind 'folder', a folder) to the trash. */
  async delete(id: string, opts: { kind?: 'document' | 'folder' } = {}): Promise<void> {
    const checked = checkId(id, opts.kind ?? 'document');
    const r = opts.kind === 'folder' ? F360_ROUTES.deleteFolder : F360_ROUTES.deleteDocument;
    await this.http.json(r.method, r.path(checked), { what: 'delete', target: `${opts.kind ?? 'document'} ${checked}` }, undefined, F360_BODIES.delete());
  }

  /** The group named exactly `name` (pyxecm get_group_by_name searches group-all with the name). */
  async findGroup(name: string): Promise<File360Principal> {
    const groups = await this.search('group', name);
    const exact = groups.filter((g) => g.name === name);
    return this.one(exact, 'group', name);
  }

  /** The user whose e-mail (any case) or display name is exactly `query`. */
  async findUser(query: string): Promise<File360Principal> {
    const users = await this.search('user', query);
    const byEmail = users.filter((u) => u.email !== undefined && u.email.toLowerCase() === query.toLowerCase());
    return this.one(byEmail.length > 0 ? byEmail : users.filter((u) => u.name === query), 'user', query);
  }

  /** Shares the folder with a group or user (found by exact name) in a role. */
  async share(folderId: string, request: ShareRequest): Promise<File360Principal> {
    const id = checkId(folderId, 'folder');
    if (!isRole(request.role)) throw new FileBridgeError('INVALID_INPUT', `The sharing role "${String(request.role)}" is not one of viewer, editor, owner.`);
    const who = await this.principal(request);
    const r = F360_ROUTES.share;
    await this.http.json(
      r.method,
      r.path(id),
      { what: `share with ${who.type} "${who.name}"`, target: `folder ${id}` },
      undefined,
      F360_BODIES.share(who.id, who.type, request.role),
    );
    return who;
  }

  async collaborators(folderId: string): Promise<File360Collaborator[]> {
    const id = checkId(folderId, 'folder');
    const r = F360_ROUTES.collaborators;
    return parseCollaborators(
      await this.http.json(r.method, r.path(id), { what: 'list who the folder is shared with', target: `folder ${id}` }),
      `${r.method} ${r.path(id)}`,
    );
  }

  /** Stops sharing the folder with one group or user (by name), or with everyone when `who` is absent. */
  async unshare(folderId: string, who?: PrincipalRef): Promise<void> {
    const id = checkId(folderId, 'folder');
    if (!who) {
      const r = F360_ROUTES.unshareAll;
      await this.http.json(r.method, r.path(id), { what: 'stop sharing', target: `folder ${id}` });
      return;
    }
    const p = await this.principal(who);
    const r = F360_ROUTES.unshareOne;
    await this.http.json(r.method, r.path(id, p.id), { what: `stop sharing with ${p.type} "${p.name}"`, target: `folder ${id}` });
  }

  close(): void {
    this.http.close();
  }

  private principal(ref: PrincipalRef): Promise<File360Principal> {
    if (typeof ref.group === 'string' && ref.group !== '') return this.findGroup(ref.group);
    if (typeof ref.user === 'string' && ref.user !== '') return this.findUser(ref.user);
    throw new FileBridgeError('INVALID_INPUT', 'Name a group or a user to share with.');
  }

  private async search(type: F360PrincipalType, query: string): Promise<File360Principal[]> {
    if (typeof query !== 'string' || query.trim() === '' || query.length > 256) {
      throw new FileBridgeError('INVALID_INPUT', `The ${type} to look up in File 360 must be a name of 1-256 characters.`);
    }
    const r = type === 'group' ? F360_ROUTES.searchGroups : F360_ROUTES.searchUsers;
    const q: Record<string, string | number> = { [F360_SEARCH_QUERY.q]: query };
    if (type === 'user') q[F360_SEARCH_QUERY.pageSize] = 100;
    const body = await this.http.json(r.method, r.path(), { what: `look up the ${type}`, target: JSON.stringify(query) }, q);
    return parsePrincipals(body, `${r.method} ${r.path()}`, type);
  }

  private one(found: File360Principal[], type: F360PrincipalType, name: string): File360Principal {
    if (found.length === 1) return found[0];
    if (found.length === 0) throw new FileBridgeError('NOT_FOUND', `File 360 has no ${type} named exactly "${name}".`, { [type]: name });
    throw new FileBridgeError(
      'INVALID_INPUT',
      `File 360 has ${found.length} ${type}s named "${name}"; use a name that is unique${type === 'user' ? ' (the e-mail address)' : ''}.`,
      {
        [type]: name,
      },
    );
  }
}

export function openFile360Client(options: File360Options): File360Client {
  return new File360Client(options);
}

/** Test connection: signs in, reads the user and (when given) resolves the folder path without creating it. */
export async function testFile360Connection(options: File360Options, folderPath?: string): Promise<File360ConnectionReport> {
  const client = openFile360Client(options);
  try {
    const me = await client.me();
    const report: File360ConnectionReport = { user: me.displayName ?? me.email ?? me.id, userId: me.id, rootId: me.rootId };
    if (folderPath !== undefined && folderPathParts(folderPath).length > 0) {
      const folder = await client.resolveFolder(folderPath);
      report.folder = { path: folderPathParts(folderPath).join('/'), id: folder.id };
    }
    return report;
  } finally {
    client.close();
  }
}
