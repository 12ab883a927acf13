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
  const yielded = new Set<number>();
  const queued = new Set<number>();
  const queue: number[][] = [[q.folderId]];
  while (queue.length > 0) {
    const path = queue.shift() ?? [];
    const folder = path[path.length - 1];
    // Pages are positions, not ids: an item deleted or changed while the folder is listed shifts the
    // rest by one and a page boundary can skip an item. The item count moving during the listing
    // shows it, and the folder is then listed again (what was already found is not repeated).
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      let stop = false;
      let count: number | undefined;
      let shifted = false;
      for (let page = 1; ; page++) {
        const { items, pageTotal, totalCount } = await nodes.childrenPage(folder, page, { sort: 'desc_modify_date' });
        if (count === undefined) count = totalCount;
        else if (count !== totalCount) shifted = true;
        for (const node of items) {
          if (q.recursive && node.container && !queued.has(node.id)) {
            queued.add(node.id);
            queue.push([...path, node.id]);
          }
          if (stop) continue;
          const modified = node.modifyDate?.getTime();
          if (since !== undefined && modified !== undefined && modified < since) {
            // Everything after this in the listing is older; only sub-folders are still of interest.
            stop = true;
            continue;
          }
          // Same second as the mark: new unless the last run sent it.
          if (since !== undefined && modified === since && seen.has(node.id)) continue;
          if (!types.includes(node.type) || yielded.has(node.id)) continue;
          yielded.add(node.id);
          yield { node, path };
        }
        if ((stop && !q.recursive) || page >= pageTotal || items.length === 0) break;
      }
      if (!shifted) break;
    }
  }
}

const MAX_PASSES = 3;

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
