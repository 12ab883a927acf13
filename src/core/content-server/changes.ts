/**
 * "What changed since last time" for exports. Search lags behind writes, so folders are browsed
 * newest first (`desc_modify_date`) and the walk stops at the first item not newer than the mark.
 */
import type { CsNode, NodeApi } from './nodes';
import { NODE_TYPE } from './nodes';

export interface ChangesQuery {
  folderId: number;
  /** Items modified strictly after this instant; undefined = everything. */
  since?: Date;
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
 * processed as the next mark. Sub-folders are browsed entirely when recursive: a folder's own
 * modify date does not reliably move when something deep inside it changes.
 */
export async function* changedSince(nodes: NodeApi, q: ChangesQuery): AsyncGenerator<Change> {
  const types = q.types ?? [NODE_TYPE.document];
  const since = q.since?.getTime();
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
      if (since !== undefined && modified !== undefined && modified <= since) {
        // Everything after this in the listing is older; only sub-folders are still of interest.
        stop = true;
        if (!q.recursive) break;
        continue;
      }
      if (types.includes(node.type)) yield { node, path };
    }
  }
}
