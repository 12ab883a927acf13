/**
 * Folder paths. Content Server has no lookup by path, so `Enterprise:Partners/ACME/2026` is walked one
 * child listing per segment; the ids found are cached per client because the walk costs a round trip
 * (or several pages) per segment and the same targets come back for every file.
 */
import { FileBridgeError, isFileBridgeError } from '../errors';
import type { NodeApi } from './nodes';

/** Named roots; everything else before the colon must be a node id. */
export const ROOTS: Readonly<Record<string, number>> = { enterprise: 2000 };

export interface ParsedTarget {
  rootId: number;
  segments: string[];
}

/** `Enterprise:A/B`, `12345:A/B`, `Enterprise`, `12345`, or a number. */
export function parseTarget(target: string | number): ParsedTarget {
  if (typeof target === 'number') {
    if (!Number.isInteger(target) || target <= 0) throw new FileBridgeError('INVALID_INPUT', `Not a node id: ${target}`);
    return { rootId: target, segments: [] };
  }
  const spec = target.trim();
  const colon = spec.indexOf(':');
  const rootText = (colon < 0 ? spec : spec.slice(0, colon)).trim();
  const rest = colon < 0 ? '' : spec.slice(colon + 1);
  let rootId: number;
  if (/^\d+$/.test(rootText)) rootId = Number(rootText);
  else if (ROOTS[rootText.toLowerCase()] !== undefined) rootId = ROOTS[rootText.toLowerCase()];
  else {
    throw new FileBridgeError('INVALID_INPUT', `Unknown Content Server path root '${rootText}': use Enterprise:<path>, <node id>:<path> or a node id`, {
      target: spec,
    });
  }
  const segments = rest
    .split('/')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const s of segments) {
    if (s === '.' || s === '..' || s.includes('\0'))
      throw new FileBridgeError('INVALID_INPUT', `Path segment '${s}' is not allowed in ${spec}`, { target: spec });
  }
  return { rootId, segments };
}

export class PathResolver {
  private readonly cache = new Map<string, number>();

  constructor(private readonly nodes: NodeApi) {}

  /** The folder id of `target`; missing folders are created when `create` is set, else NOT_FOUND. */
  async resolve(target: string | number, options: { create?: boolean } = {}): Promise<number> {
    const { rootId, segments } = parseTarget(target);
    let id = rootId;
    const walked: string[] = [];
    for (const name of segments) {
      walked.push(name);
      const key = `${id}\u0000${name.toLowerCase()}`;
      const cached = this.cache.get(key);
      if (cached !== undefined) {
        id = cached;
        continue;
      }
      let child = await this.nodes.findChild(id, name);
      if (!child) {
        if (!options.create) {
          throw new FileBridgeError('NOT_FOUND', `No '${name}' in ${describe(rootId, walked.slice(0, -1))}`, { target: String(target), missing: name });
        }
        try {
          child = await this.nodes.createFolder(id, name);
        } catch (err) {
          // Someone else (another flow, another file of this one) created it in between.
          if (!isFileBridgeError(err) || err.code !== 'CONFLICT') throw err;
          child = await this.nodes.findChild(id, name);
          if (!child) throw err;
        }
      } else if (!child.container) {
        throw new FileBridgeError('CONFLICT', `'${name}' in ${describe(rootId, walked.slice(0, -1))} is not a folder`, {
          target: String(target),
          nodeId: child.id,
        });
      }
      this.cache.set(key, child.id);
      id = child.id;
    }
    return id;
  }

  /** After a cached folder turned out to be gone (deleted or moved by someone else). */
  forget(): void {
    this.cache.clear();
  }
}

function describe(rootId: number, segments: string[]): string {
  return segments.length === 0 ? `node ${rootId}` : `${rootId}:${segments.join('/')}`;
}
