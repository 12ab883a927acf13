import type { DisposeResult } from './dispose';
import type { SourceFacts } from './source';

/** One record per processed file (`msg.filebridge.audit`), for a flow to log, store or send on. */
export interface AuditRecord {
  correlationId?: string;
  outcome: 'acked' | 'quarantined';
  /** What happened to the source file. */
  disposal: DisposeResult['action'] | 'quarantined';
  source: { server: string; protocol: string; host: string; port: number; path: string; name: string; mtime: string; attempt: number };
  /** Where the file now is on the source server, if anywhere. */
  sourceNowAt?: string;
  /** What the sink did (`msg.filebridge.cs` from cs-upload), when present. */
  target?: unknown;
  bytes: number;
  sha256?: string;
  claimedAt: string;
  finishedAt: string;
  /** From claim to commit. */
  durationMs: number;
  error?: { message: string; code?: string };
}

export function auditRecord(
  source: SourceFacts,
  outcome: AuditRecord['outcome'],
  disposal: AuditRecord['disposal'],
  at: Date,
  extra: { correlationId?: string; target?: unknown; sourceNowAt?: string; error?: AuditRecord['error'] } = {},
): AuditRecord {
  const claimed = Date.parse(source.claimedAt);
  const record: AuditRecord = {
    outcome,
    disposal,
    source: {
      server: source.server,
      protocol: source.protocol,
      host: source.host,
      port: source.port,
      path: source.path,
      name: source.name,
      mtime: source.mtime,
      attempt: source.attempt ?? 1,
    },
    bytes: source.size,
    claimedAt: source.claimedAt,
    finishedAt: at.toISOString(),
    durationMs: Number.isFinite(claimed) ? Math.max(0, at.getTime() - claimed) : 0,
  };
  if (extra.correlationId) record.correlationId = extra.correlationId;
  if (source.sha256) record.sha256 = source.sha256;
  if (extra.target !== undefined) record.target = extra.target;
  if (extra.sourceNowAt) record.sourceNowAt = extra.sourceNowAt;
  if (extra.error) record.error = extra.error;
  return record;
}
