import type { NodeAPI } from 'node-red';
import { FileBridgeError } from '../core/errors';
import { sourceFactsOf, type SourceFacts } from '../core/pipeline/source';
import type { SessionPool } from '../core/remote/session-pool';
import type { RemoteSession } from '../core/remote/types';
import type { ServerNode } from './server-node';
import type { WatchNode } from './watch-node';

/**
 * What ack and quarantine need from a message: its source facts, the server's pool (through the
 * server config node, so a redeployed or removed watch does not matter) and the watch, if running.
 */
export function resolveSource(RED: NodeAPI, filebridge: unknown): { source: SourceFacts; pool: SessionPool<RemoteSession>; watch?: WatchNode } {
  const fb = filebridge && typeof filebridge === 'object' ? (filebridge as Record<string, unknown>) : undefined;
  const source = sourceFactsOf(fb?.source);
  if (!source) {
    throw new FileBridgeError('INVALID_INPUT', 'msg.filebridge.source is missing or incomplete: this node handles files that came from a filebridge-watch node. Keep msg.filebridge intact between the watch and here (a Change node that sets msg = {...} drops it).');
  }
  const server = RED.nodes.getNode(source.server) as ServerNode | null;
  if (!server) throw new FileBridgeError('INVALID_INPUT', `The server configuration ${source.server} of ${source.path} is no longer deployed; the file stays at ${source.claimPath}.`, { path: source.claimPath });
  if (server.configError) throw server.configError;
  if (!server.pool) throw new FileBridgeError('CONNECTION', 'The server configuration is stopping (redeploy in progress).');
  const watch = source.watch ? ((RED.nodes.getNode(source.watch) as WatchNode | null) ?? undefined) : undefined;
  return { source, pool: server.pool, watch };
}

export function correlationIdOf(filebridge: unknown): string | undefined {
  const id = filebridge && typeof filebridge === 'object' ? (filebridge as Record<string, unknown>).correlationId : undefined;
  return typeof id === 'string' ? id : undefined;
}

/**
 * The start of ack and quarantine: the message's source, and `release` to end the file's journey
 * through its watch (a failed commit leaves the file claimed; lease recovery brings it back). What
 * is left of the payload stream is closed first: a stream left half read may hold the connection
 * the disposal needs.
 */
export function takeSource(RED: NodeAPI, filebridge: unknown): ReturnType<typeof resolveSource> & { correlationId?: string; release: () => void } {
  const { source, pool, watch } = resolveSource(RED, filebridge);
  const correlationId = correlationIdOf(filebridge);
  if (correlationId) watch?.closeStream?.(correlationId);
  return { source, pool, watch, correlationId, release: () => { if (correlationId) watch?.releaseFile?.(correlationId); } };
}
