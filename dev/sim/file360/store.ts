/**
 * The simulator's state: people (users, groups) and resources (folders, documents) in memory, the
 * bytes of documents in files on disk (`<dataDir>/blobs`), never whole in memory.
 *
 * Ids are long numeric strings (shared/reference/file360-rest.md: "Ids are long numeric STRINGS (e.g.
 * "2599466250228733940"): never parse them as numbers"). Every id here is an odd number above 2^53:
 * doubles above 2^53 are all even, so `Number(id)` can never give it back and a client that parses
 * ids as numbers addresses the wrong resource (404) instead of passing by luck.
 */
import { createHash, randomInt } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Role = 'viewer' | 'editor' | 'owner';
export const ROLES: readonly Role[] = ['viewer', 'editor', 'owner'];

export interface User {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  title: string;
  company: string;
  /** The id of the user's root folder ("Files"). */
  rootId: string;
  createdAt: string;
}

export interface Group {
  id: string;
  name: string;
  description: string;
  createdAt: string;
  /** User ids. */
  members: Set<string>;
}

export interface Collaborator {
  id: string;
  type: 'user' | 'group';
  role: Role;
}

export interface Resource {
  id: string;
  kind: 'folder' | 'document';
  name: string;
  /** null for a user's root folder. */
  parentId: string | null;
  ownerId: string;
  created: string;
  lastModified: string;
  /** Documents: bytes; folders: 0. */
  size: number;
  sha256: string;
  /** Documents: the file holding the bytes. */
  blob: string;
  /** In the trash (`{"state":"deleted"}`): gone from listings and lookups. */
  deleted: boolean;
  /** Folders: who it is shared with (by user or group id). */
  collaborators: Map<string, Collaborator>;
}

/** 2^53: every id is above it. */
export const TWO_POW_53 = 9007199254740992n;

export class IdSource {
  private next: bigint;

  constructor(start = 2599466250228733941n) {
    this.next = start | 1n;
  }

  /** The next id: odd, increasing, above 2^53, as a string. */
  take(): string {
    // Steps of an even size keep the ids odd; random steps make them look like the service's.
    this.next += BigInt(2 * randomInt(1, 500_000));
    return this.next.toString();
  }
}

export class File360Store {
  readonly ids = new IdSource();
  readonly users = new Map<string, User>();
  readonly groups = new Map<string, Group>();
  readonly resources = new Map<string, Resource>();
  private readonly blobDir: string;
  private readonly tmpDir: string;
  private tmpSeq = 0;

  constructor(readonly dataDir: string) {
    this.blobDir = join(dataDir, 'blobs');
    this.tmpDir = join(dataDir, 'tmp');
    mkdirSync(this.blobDir, { recursive: true });
    mkdirSync(this.tmpDir, { recursive: true });
  }

  /** A fresh temporary file path (uploads land here before they are committed). */
  tmpFile(): string {
    return join(this.tmpDir, `up-${process.pid}-${++this.tmpSeq}`);
  }

  addUser(u: Omit<User, 'id' | 'rootId' | 'createdAt'>): User {
    const id = this.ids.take();
    const now = new Date().toISOString();
    const root = this.newResource('folder', 'Files', null, id);
    const user: User = { ...u, id, rootId: root.id, createdAt: now };
    this.users.set(id, user);
    return user;
  }

  addGroup(name: string, description: string, members: string[] = []): Group {
    const g: Group = { id: this.ids.take(), name, description, createdAt: new Date().toISOString(), members: new Set(members) };
    this.groups.set(g.id, g);
    return g;
  }

  private newResource(kind: 'folder' | 'document', name: string, parentId: string | null, ownerId: string): Resource {
    const now = new Date().toISOString();
    const r: Resource = {
      id: this.ids.take(),
      kind,
      name,
      parentId,
      ownerId,
      created: now,
      lastModified: now,
      size: 0,
      sha256: '',
      blob: '',
      deleted: false,
      collaborators: new Map(),
    };
    this.resources.set(r.id, r);
    return r;
  }

  /** A live (not deleted, not under a deleted folder) resource, or undefined. */
  live(id: string): Resource | undefined {
    let r = this.resources.get(id);
    const found = r;
    while (r) {
      if (r.deleted) return undefined;
      if (r.parentId === null) return found;
      r = this.resources.get(r.parentId);
    }
    return undefined;
  }

  children(folderId: string): Resource[] {
    const out: Resource[] = [];
    for (const r of this.resources.values()) if (r.parentId === folderId && !r.deleted) out.push(r);
    return out;
  }

  /** The live child with exactly this name (names compare exactly, case and all). */
  child(folderId: string, name: string): Resource | undefined {
    for (const r of this.resources.values()) if (r.parentId === folderId && !r.deleted && r.name === name) return r;
    return undefined;
  }

  addFolder(parentId: string, name: string, ownerId: string): Resource {
    const f = this.newResource('folder', name, parentId, ownerId);
    this.touch(parentId);
    return f;
  }

  /** Moves a received temp file in as a new document, or as the new content of `existing`. */
  commitDocument(parentId: string, name: string, ownerId: string, tmp: string, size: number, sha256: string, existing?: Resource): Resource {
    const doc = existing ?? this.newResource('document', name, parentId, ownerId);
    const blob = join(this.blobDir, `${doc.id}-${Date.now()}-${++this.tmpSeq}`);
    renameSync(tmp, blob);
    if (doc.blob) rmSync(doc.blob, { force: true });
    doc.blob = blob;
    doc.size = size;
    doc.sha256 = sha256;
    doc.lastModified = new Date().toISOString();
    this.touch(parentId);
    return doc;
  }

  /** A document from bytes in memory (seed, tests). */
  putBytes(parentId: string, name: string, ownerId: string, bytes: Buffer, existing?: Resource): Resource {
    const tmp = this.tmpFile();
    writeFileSync(tmp, bytes);
    return this.commitDocument(parentId, name, ownerId, tmp, bytes.length, createHash('sha256').update(bytes).digest('hex'), existing);
  }

  touch(id: string): void {
    const r = this.resources.get(id);
    if (r) r.lastModified = new Date().toISOString();
  }

  /** `/Suppliers/ACME/x.csv` below the owner's root ('' for the root itself). */
  path(r: Resource): string {
    const parts: string[] = [];
    let at: Resource | undefined = r;
    while (at && at.parentId !== null) {
      parts.unshift(at.name);
      at = this.resources.get(at.parentId);
    }
    return `/${parts.join('/')}`;
  }

  /** The live resource at a path below a root (`/Suppliers/ACME`), or undefined. */
  byPath(rootId: string, path: string): Resource | undefined {
    let at = this.live(rootId);
    for (const part of path.split('/').filter((p) => p !== '')) {
      if (!at) return undefined;
      at = this.child(at.id, part);
    }
    return at;
  }

  /** Live descendants, depth first (folders before their contents). */
  descendants(folderId: string): Resource[] {
    const out: Resource[] = [];
    const walk = (id: string): void => {
      for (const r of this.children(id).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        out.push(r);
        if (r.kind === 'folder') walk(r.id);
      }
    };
    walk(folderId);
    return out;
  }

  /** The blob files of deleted documents stay (the trash); this removes everything on stop. */
  removeAll(): void {
    rmSync(this.blobDir, { recursive: true, force: true });
    rmSync(this.tmpDir, { recursive: true, force: true });
  }
}
