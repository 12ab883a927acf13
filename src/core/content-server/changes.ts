/**
 * "What changed since last time" for exports. Search lags behind writes, so folders are browsed
 * newest first (`desc_modify_date`) and the walk stops at the first item not newer than the mark.
 */
import type { CsNode, NodeApi } from './nodes';
import { NODE_TYPE } from './nodes';

export interface ChangesQuery {
  folderId: number;
  /** Items modified after this instant (and at it, unless listed in `seenAtMark`); undefined = everything. */
  since?: Date;
  /**
   * Ids already processed whose modify date equals `since`. Dates have whole seconds, so an item
   * changed in the same second as the mark, after the last run, must still come: the mark is
   * inclusive and these ids are what the last run already sent at that instant.
   */
  seenAtMark?: number[];
  recursive?: boolean;
  /** Node types reported (default: documents). Folders are always descended into when recursive. */
  types?: number[];
}

export interface Change {
  node: CsNode;
  /** Folder ids from the browsed folder down to the item's parent. */
  path: number[];
}

/**
 * Changed items, newest first within each folder. The caller keeps the largest `modifyDate` it has
 * processed as the next mark, with the ids it sent at exactly that instant (`nextMark` helps).
 * Sub-folders are browsed entirely when recursive: a folder's own modify date does not reliably
 * move when something deep inside it changes.
 */
export async function* changedSince(nodes: NodeApi, q: ChangesQuery): AsyncGenerator<Change> {
  const types = q.types ?? [NODE_TYPE.document];
  const since = q.since?.getTime();
  const seen = new Set(q.seenAtMark ?? []);
  const queue: number[][] = [[q.folderId]];
  while (queue.length > 0) {
    const path = queue.shift() ?? [];
    const folder = path[path.length - 1];
    let stop = false;
    for await (const node of nodes.children(folder, { sort: 'desc_modify_date' })) {
      if (q.recursive && node.container) queue.push([...path, node.id]);
      if (stop) {
        if (q.recursive) continue;
        break;
      }
      const modified = node.modifyDate?.getTime();
      if (since !== undefined && modified !== undefined && modified === since) {
        // Same second as the mark: new unless the last run sent it; older items may still follow.
        if (!seen.has(node.id) && types.includes(node.type)) yield { node, path };
        continue;
      }
      if (since !== undefined && modified !== undefined && modified < since) {
        // Everything after this in the listing is older; only sub-folders are still of interest.
        stop = true;
        if (!q.recursive) break;
        continue;
      }
      if (types.includes(node.type)) yield { node, path };
    }
  }
}

/** The mark to save after processing `changes`: the newest modify date and the ids sent at it. */
export function nextMark(changes: Change[], previous?: { since?: Date; seenAtMark?: number[] }): { since?: Date; seenAtMark: number[] } {
  let since = previous?.since;
  let ids = new Set(previous?.seenAtMark ?? []);
  for (const { node } of changes) {
    const t = node.modifyDate;
    if (!t) continue;
    if (!since || t.getTime() > since.getTime()) {
      since = t;
      ids = new Set([node.id]);
    } else if (t.getTime() === since.getTime()) ids.add(node.id);
  }
  return { since, seenAtMark: [...ids] };
}
