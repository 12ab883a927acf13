import type { NodeAPI } from 'node-red';
import type { Readable } from 'node:stream';
import { sourceFactsOf } from '../core/pipeline/source';
import { sourceStream } from '../core/pipeline/source-stream';
import type { ServerNode } from './server-node';

/**
 * For a sink that must send a file again from the start (an upload retry after its stream was
 * consumed): a function opening the claimed file anew, or undefined when the message carries no
 * usable source or its server is not deployed. Each call opens a fresh stream, size-checked.
 */
export function reopenerFor(RED: NodeAPI, source: unknown): (() => Readable) | undefined {
  const facts = sourceFactsOf(source);
  if (!facts) return undefined;
  const server = RED.nodes.getNode(facts.server) as ServerNode | null;
  if (!server || server.configError || !server.pool) return undefined;
  const pool = server.pool;
  return () => sourceStream(pool, facts.claimPath, { expectedSize: facts.size });
}
