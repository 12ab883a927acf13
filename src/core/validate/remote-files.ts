import { FileBridgeError } from '../errors';
import { parseClaimFileName } from '../pipeline/claim';
import { readFileToBuffer, statEntry } from '../remote/operations';
import type { SessionPool } from '../remote/session-pool';
import type { RemoteSession } from '../remote/types';
import { RemoteFileTooLarge } from './types';
import type { RemoteFiles } from './validator';

/** Side-car and manifest access through a server's session pool. */
export function poolFiles(pool: SessionPool<RemoteSession>): RemoteFiles {
  return {
    async read(path, maxBytes) {
      const entry = await statEntry(pool, path);
      if (!entry || entry.type === 'directory') return undefined;
      if (entry.size > maxBytes) {
        throw new RemoteFileTooLarge(path, entry.size, maxBytes);
      }
      try {
        return (await readFileToBuffer(pool, path, maxBytes)).data;
      } catch (err) {
        // Removed between the stat and the read: as good as never there.
        if (err instanceof FileBridgeError && err.code === 'NOT_FOUND') return undefined;
        throw err;
      }
    },
    async names(folder) {
      return pool.use(async (session) => {
        const root = await session.stat(folder);
        if (!root || root.type !== 'directory') return new Set<string>();
        const names = new Set<string>();
        for (const entry of await session.list(folder)) {
          if (entry.type === 'directory') continue;
          names.add(entry.name);
          // In a watch's claim folder a file is there under its claim name (claim.ts); a shortened
          // name (#) would need its record, and a name that long is no manifest entry in practice.
          const claimed = parseClaimFileName(entry.name);
          if (claimed && !claimed.cut) names.add(claimed.name);
        }
        return names;
      }, true);
    },
  };
}
