/** What a chaos run finds afterwards, asked of the servers and the simulator, never of the flow. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContentServerSim } from '../sim/content-server';

export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** A file's SHA-256, read as a stream (a chaos run may hold a 1 GiB file). */
async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every file below `dir` (absolute), with its content hash; missing folder = none, a file gone meanwhile = left out. */
export async function filesBelow(dir: string): Promise<{ path: string; sha: string }[]> {
  const out: { path: string; sha: string }[] = [];
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile()) {
        try {
          out.push({ path: full, sha: await sha256OfFile(full) });
        } catch (err) {
          // Moved away between the listing and the read (a running watch claims files): a later look finds it where it went.
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
    }
  };
  await walk(dir);
  return out;
}

/** The documents of a Content Server folder (by path below Enterprise), each with its versions' hashes. */
export function documentsIn(sim: ContentServerSim, folderPath: string[]): { name: string; shas: string[] }[] {
  let id = 2000;
  for (const name of folderPath) {
    const child = sim.store.children(id).find((n) => n.name === name);
    if (!child) return [];
    id = child.id;
  }
  return sim.store
    .children(id)
    .filter((n) => n.versions.length > 0)
    .map((n) => ({ name: n.name, shas: n.versions.map((v) => v.sha256) }));
}

/** How the sources fared in Content Server. */
export interface Delivery {
  deliveredOnce: number;
  lost: number;
  duplicateDocs: number;
  extraIdenticalVersions: number;
}

export function deliveryOf(sources: string[], docs: { shas: string[] }[]): Delivery {
  let extraIdenticalVersions = 0;
  const docsWith = new Map<string, number>();
  for (const doc of docs) {
    const seen = new Set<string>();
    for (const sha of doc.shas) {
      if (seen.has(sha)) extraIdenticalVersions++;
      seen.add(sha);
    }
    for (const sha of seen) docsWith.set(sha, (docsWith.get(sha) ?? 0) + 1);
  }
  let deliveredOnce = 0;
  let lost = 0;
  let duplicateDocs = 0;
  for (const sha of sources) {
    const n = docsWith.get(sha) ?? 0;
    if (n === 0) lost++;
    else duplicateDocs += n - 1;
    if (n === 1) deliveredOnce++;
  }
  return { deliveredOnce, lost, duplicateDocs, extraIdenticalVersions };
}
