import type { NodeAPI } from 'node-red';
import type { Readable } from 'node:stream';
import { checkClaimedSource, type ClaimSite } from '../../core/pipeline/process-strategy';
import { runningWatch } from '../../core/pipeline/running-watches';
import { sourceFactsOf, type SourceFacts } from '../../core/pipeline/source';
import { sourceStream } from '../../core/pipeline/source-stream';
import { usableServer } from './server';

/**
 * Where ack and quarantine finish a claimed file: the pool of its server (through the server config
 * node, so a redeployed or removed watch does not matter) and its watch, if still running.
 */
export function claimSiteOf(RED: NodeAPI, source: SourceFacts): ClaimSite {
  const missing = `The server configuration ${source.server} of ${source.path} is no longer deployed; the file stays at ${source.claimPath}.`;
  const { pool } = usableServer(RED, source.server, missing, { path: source.claimPath });
  return { pool, watch: runningWatch(source.watch) };
}

/**
 * For a sink that must send a file again from the start (an upload retry after its stream was
 * consumed): a function opening the claimed file anew, or undefined when the message carries no
 * usable source or its server is not deployed. Each call opens a fresh stream, size-checked, and
 * with `sha256` hashing itself (see `ownDigestOf`).
 */
export function reopenerFor(RED: NodeAPI, source: unknown, options: { sha256?: boolean } = {}): (() => Readable) | undefined {
  const facts = sourceFactsOf(source);
  if (!facts) return undefined;
  try {
    // Only a file in its watch's claim folder is read again: a message must not pick what gets uploaded.
    checkClaimedSource(facts);
  } catch {
    return undefined;
  }
  let pool;
  try {
    ({ pool } = usableServer(RED, facts.server, 'not deployed'));
  } catch {
    return undefined;
  }
  // With sha256 the stream hashes itself on the way: a sink that records the digest takes it from there.
  const onSha256 = options.sha256 ? (): void => undefined : undefined;
  return () => sourceStream(pool, facts.claimPath, { expectedSize: facts.size, onSha256 });
}
