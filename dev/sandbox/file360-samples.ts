/**
 * Documents arriving in the File 360 folders the running File 360 examples watch, as colleagues
 * would put them there: uploaded into the File 360 simulator through its inspection route
 * (`putFile`), and for the release gate (f360-05) moved from the review folder into the approved one
 * through the API, as a reviewer would. The watched folders (and the review folder) are created
 * before the flows are deployed, so no watch starts with "folder not found". An example without a
 * producer here gets a small PDF now and then, so new examples slot in by name.
 */
import type { File360Sim } from '../sim/file360';
import { exampleId, minimalPdf, type SampleFile } from './example-samples';
import type { FlowNode, PreparedExample } from './flows';
import { startRounds, watchServerProtocol, type Arrivals } from './samples';

/** A File 360 folder a running example watches. */
export interface File360WatchedFolder {
  /** Path below the account's root, `/Marketing/Approved assets` (never the root itself). */
  folder: string;
  example?: string;
  nodes: readonly FlowNode[];
}

/** What a File 360 producer does in one round: documents to upload, and moves to make. */
export interface File360Round {
  /** Paths relative to the watched folder, or absolute (`/Releases/Review/x.pdf`). */
  files: SampleFile[];
  /** Documents to move (by path below the root) into a folder (path below the root). */
  moves?: { from: string; to: string }[];
}

export interface File360SampleProducer {
  /** Folders the example needs besides the watched one (the review folder of a release gate). */
  folders?: string[];
  next(n: number, date: Date, folder: File360WatchedFolder): File360Round;
}

const p4 = (n: number): string => String(n).padStart(4, '0');

/** `/a/b/` and `a/b` -> `/a/b`; undefined for the root or a path with `..`. */
function cleanFolder(path: string): string | undefined {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.includes('..')) return undefined;
  return `/${parts.join('/')}`;
}

/** The File 360 watches of the running examples (disabled tabs and nodes left out). */
export function file360WatchedFolders(examples: readonly PreparedExample[]): File360WatchedFolder[] {
  const seen = new Map<string, File360WatchedFolder>();
  for (const example of examples) {
    if (example.disabledBecause !== undefined) continue;
    for (const node of example.nodes) {
      if (node.type !== 'filebridge-watch' || node.d === true || typeof node.folder !== 'string') continue;
      if (watchServerProtocol(example.nodes, node) !== 'file360') continue;
      const folder = cleanFolder(node.folder);
      if (folder === undefined) continue;
      const id = exampleId(example.name);
      seen.set(folder, { folder, ...(id === undefined ? {} : { example: id }), nodes: example.nodes });
    }
  }
  return [...seen.values()];
}

/** A PNG signature and a few bytes: enough for any magic-bytes check. */
function minimalPng(text: string): Buffer {
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(text)]);
}

/** The examples' own producers, by example id. */
export function file360Producers(): Record<string, File360SampleProducer> {
  return {
    // f360-02: now and then an approved asset for the partner.
    'f360-02': {
      next: (n) => (n % 2 === 1 ? { files: [{ path: `Sandbox asset ${p4(n)}.png`, data: minimalPng(`f360-02 approved asset ${n}`) }] } : { files: [] }),
    },
    // f360-05: each round a draft lands in the review folder, and the previous round's draft is
    // approved (moved into the watched folder): every draft waits one round in review.
    'f360-05': {
      folders: ['/Releases/Review'],
      next: (n, _date, w) => ({
        files: [{ path: `/Releases/Review/Release note ${p4(n)}.pdf`, data: minimalPdf(`f360-05 release note ${n} (draft)`) }],
        moves: n > 1 ? [{ from: `/Releases/Review/Release note ${p4(n - 1)}.pdf`, to: w.folder }] : [],
      }),
    },
    // f360-06: every third round a report for the auditor.
    'f360-06': {
      next: (n, date) =>
        n % 3 === 1 ? { files: [{ path: `Audit report ${date.getFullYear()}-${p4(n)}.pdf`, data: minimalPdf(`f360-06 audit report ${n}`) }] } : { files: [] },
    },
  };
}

/** Absolute path of a round's file in File 360. */
function targetPath(folder: string, path: string): { folder: string; name: string } {
  const full = path.startsWith('/') ? path : `${folder}/${path}`;
  const at = full.lastIndexOf('/');
  return { folder: full.slice(0, at) || '/', name: full.slice(at + 1) };
}

/** One API call as the account's owner would make it, with a token the simulator issues. */
async function ownerCall(sim: File360Sim, method: string, path: string, json: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${sim.issueToken()}`, 'Content-Type': 'application/json', Accept: '*/*' },
    body: JSON.stringify(json),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

/** Creates a folder path below the root, parents included, as a person would in the web client; its id. */
export async function ensureFile360Folder(sim: File360Sim, path: string): Promise<string> {
  let parentId = sim.rootId;
  let at = '';
  for (const name of path.split('/').filter((p) => p !== '')) {
    at += `/${name}`;
    const existing = sim.folderAt(at);
    if (existing) {
      parentId = existing.id;
      continue;
    }
    const made = await ownerCall(sim, 'POST', '/api/v1/folders', { name, parentId });
    if (made.status !== 201) throw new Error(`creating ${at} in the File 360 simulator: HTTP ${made.status}`);
    parentId = (made.body as { id: string }).id;
  }
  return parentId;
}

/** The watched folders, and the folders their producers need, exist before the watches start. */
export async function createFile360Folders(sim: File360Sim, watched: readonly File360WatchedFolder[]): Promise<void> {
  const producers = file360Producers();
  for (const w of watched) {
    await ensureFile360Folder(sim, w.folder);
    for (const extra of (w.example === undefined ? undefined : producers[w.example])?.folders ?? []) await ensureFile360Folder(sim, extra);
  }
}

export type File360Arrivals = Arrivals;

/** Puts new documents into every watched File 360 folder every `intervalMs` (and makes the producers' moves). */
export function startFile360Arrivals(
  sim: File360Sim,
  intervalMs: number,
  watched: readonly File360WatchedFolder[],
  onArrival: (path: string) => void,
  onError: (err: Error) => void,
): File360Arrivals {
  let count = 0;
  const producers = file360Producers();
  const drop = async (stopped: () => boolean): Promise<void> => {
    const now = new Date();
    count += 1;
    for (const w of watched) {
      const producer = w.example === undefined ? undefined : producers[w.example];
      const round: File360Round = producer
        ? producer.next(count, now, w)
        : { files: [{ path: `Sandbox document ${p4(count)}.pdf`, data: minimalPdf(`File 360 sample ${count}`) }] };
      for (const file of round.files) {
        const { folder, name } = targetPath(w.folder, file.path);
        await ensureFile360Folder(sim, folder);
        await sim.putFile(folder, name, typeof file.data === 'string' ? Buffer.from(file.data) : file.data);
        if (!stopped()) onArrival(`File 360 ${folder}/${name}`);
      }
      for (const move of round.moves ?? []) {
        const doc = sim.documentAt(move.from);
        if (!doc) continue;
        const parentId = await ensureFile360Folder(sim, move.to);
        const moved = await ownerCall(sim, 'PUT', `/api/v1/documents/${doc.id}`, { parentId });
        if (moved.status !== 200) throw new Error(`moving ${move.from} into ${move.to} in the File 360 simulator: HTTP ${moved.status}`);
        if (!stopped()) onArrival(`File 360 ${move.from} moved into ${move.to}`);
      }
    }
  };
  return startRounds(drop, intervalMs, onError, () => watched.length === 0);
}
