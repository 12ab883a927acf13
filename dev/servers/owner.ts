import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Folders and locks record the pid that made them, so a later run can tell abandoned ones. */
export const OWNER_FILE = 'owner.pid';

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid in an owner file, or undefined when the file is missing or not a pid. */
export async function readOwner(file: string): Promise<number | undefined> {
  const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  return Number.isInteger(owner) && owner > 0 ? owner : undefined;
}

export async function markOwned(dir: string): Promise<void> {
  await writeFile(join(dir, OWNER_FILE), String(process.pid));
}

/**
 * Deletes folders named `<prefix>...` under `parent` whose owner died without cleaning up (a run
 * killed with SIGKILL). Their servers are gone already (the supervisor kills them); only files stay.
 * `unownedToo` also removes folders without a readable owner file.
 */
export async function removeAbandoned(parent: string, prefix: string, unownedToo: boolean): Promise<void> {
  const entries = await readdir(parent).catch(() => [] as string[]);
  for (const entry of entries.filter((e) => e.startsWith(prefix))) {
    const dir = join(parent, entry);
    const owner = await readOwner(join(dir, OWNER_FILE));
    const abandoned = owner === undefined ? unownedToo : !pidAlive(owner);
    if (abandoned) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
