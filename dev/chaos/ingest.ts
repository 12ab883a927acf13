/**
 * One chaos run: an ingest from a real SFTP or FTP server into the Content Server simulator by one
 * or two real Node-RED processes with the nodes' default settings (apart from the ack mode and the
 * collision policy under test), while a plan disturbs it (kill -9 and restart, servers restarted,
 * Content Server faults). Afterwards every file must be in Content Server exactly once (no second
 * document, no second identical version), every source disposed of once and acked once, nothing
 * left claimed, and all of it within a minute of the last disturbance (plus the polls the files still
 * waiting then need at the watch's default pace; a file waiting for a lease would take minutes more).
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CollisionPolicy } from '../../src/core/content-server';
import { DEFAULT_WATCH_SETTINGS } from '../../src/core/pipeline/watcher';
import type { ContentServerSim } from '../sim/content-server';
import type { Runtime } from '../sandbox/node-red-process';
import type { DevServers } from '../servers';
import { deliveryOf, documentsIn, filesBelow, sha256 } from './inspect';
import { ChaosNodeRed, sleep, type FlowNodeJson } from './node-red';
import { csConnectionNode, lineLogNodes, serverConfigNode } from './flow-parts';
import { Random } from './random';

/** The watch dialog's default poll interval (intervalSeconds 10). */
const DEFAULT_POLL_MS = 10_000;

export type AckMode = 'archive' | 'delete' | 'leave';

/** What a plan can disturb while files flow. */
export interface RunContext {
  reds: ChaosNodeRed[];
  servers: DevServers;
  sim: ContentServerSim;
  random: Random;
  log: (line: string) => void;
  /** Documents in the run's Content Server folder so far. */
  documents(): number;
  /** Files in the run. */
  files: number;
}

/** Disturbs the run; resolves when the disturbances are over (the drain clock starts then). */
export type Plan = (ctx: RunContext) => Promise<void>;

export interface IngestOptions {
  /** Names the run in its summary line. */
  scenario: string;
  servers: DevServers;
  sim: ContentServerSim;
  runtime: Runtime;
  protocol: 'sftp' | 'ftp';
  ack: AckMode;
  /** Undefined: the node's default. */
  collision?: CollisionPolicy;
  files: number;
  seed: number;
  /** Node-RED processes watching the same inbox (default 1). */
  runtimes?: number;
  plan: Plan;
  /** How long after the plan's last disturbance everything must be done. */
  drainWithinMs?: number;
  /** Adds one file of this many bytes (written as a stream) to the inbox, e.g. 1 GiB for a transfer a server restart interrupts. */
  bigFileBytes?: number;
  /** settings.js entries (contextStorage...); default: Node-RED's defaults. */
  extraSettings?: string;
  /**
   * Watch settings instead of the node's defaults, for a short run: `npm test` polls every 2 s instead
   * of 10 (the drain allowance and the wait for files left in place follow); `npm run chaos` keeps the defaults.
   */
  watch?: { intervalSeconds?: number };
  log?: (line: string) => void;
}

export interface IngestResult {
  line: string;
  violations: string[];
  drainedAfterMs: number | undefined;
}

/** The flow a user builds for this: watch -> cs upload -> ack, Catch -> quarantine; defaults elsewhere. */
export function ingestFlow(o: IngestOptions, inbox: string, csFolder: string, auditFile: string, errorFile: string): FlowNodeJson[] {
  return [
    { id: 'chaos-tab', type: 'tab', label: 'chaos' },
    serverConfigNode('chaos-srv', o.servers, o.protocol),
    csConnectionNode('chaos-cs', o.sim),
    { id: 'chaos-watch', type: 'filebridge-watch', z: 'chaos-tab', server: 'chaos-srv', folder: inbox, ...o.watch, wires: [['chaos-upload']] },
    {
      id: 'chaos-upload',
      type: 'filebridge-cs-upload',
      z: 'chaos-tab',
      connection: 'chaos-cs',
      folder: csFolder,
      ...(o.collision ? { collision: o.collision } : {}),
      wires: [['chaos-ack']],
    },
    { id: 'chaos-ack', type: 'filebridge-ack', z: 'chaos-tab', action: o.ack, wires: [['chaos-audit']] },
    // One line per acked file: a file that went through the flow twice shows up twice.
    ...lineLogNodes('chaos-audit', 'chaos-tab', 'filebridge.audit', auditFile),
    { id: 'chaos-catch', type: 'catch', z: 'chaos-tab', scope: null, uncaught: false, wires: [['chaos-quarantine', 'chaos-error']] },
    // Every error a node reported (a Catch node keeps it out of Node-RED's log): what the run went through.
    ...lineLogNodes(
      'chaos-error',
      'chaos-tab',
      '{"at": $now(), "node": error.source.type, "code": error.code, "message": error.message, "file": filebridge.source.path}',
      errorFile,
      'jsonata',
    ),
    { id: 'chaos-quarantine', type: 'filebridge-quarantine', z: 'chaos-tab', wires: [[]] },
  ];
}

/** A file of `bytes` random bytes written as a stream (never whole in memory); resolves its SHA-256. */
async function writeBigFile(servers: DevServers, rel: string, bytes: number, random: Random): Promise<string> {
  // Created (and given to the test user) small, then filled in place.
  await servers.writeFile(rel, '');
  const hash = createHash('sha256');
  const out = createWriteStream(servers.localPath(rel));
  const chunk = random.bytes(1024 * 1024);
  for (let left = bytes, n = 0; left > 0; n++) {
    // Each MiB differs (its index in front), so a piece sent twice or out of order changes the digest.
    const piece = Buffer.concat([Buffer.from(String(n).padStart(16, '0')), chunk]).subarray(0, Math.min(left, chunk.length));
    hash.update(piece);
    if (!out.write(piece)) await once(out, 'drain');
    left -= piece.length;
  }
  out.end();
  await finished(out);
  return hash.digest('hex');
}

export async function runIngest(o: IngestOptions): Promise<IngestResult> {
  const log = o.log ?? (() => undefined);
  const random = new Random(o.seed);
  const id = `chaos-${o.scenario}-${o.protocol}-${o.ack}-${o.collision ?? 'default'}-${o.seed}`;
  const inbox = `${id}/inbox`;
  const csPath = ['Chaos', id];
  await o.servers.remove(id);
  await o.servers.mkdirp(inbox);
  const sources: string[] = [];
  for (let i = 0; i < o.files; i++) {
    const data = random.bytes(random.int(1, 48) * 1024);
    sources.push(sha256(data));
    await o.servers.writeFile(`${inbox}/f-${String(i).padStart(4, '0')}.bin`, data);
  }
  if (o.bigFileBytes) sources.push(await writeBigFile(o.servers, `${inbox}/big.bin`, o.bigFileBytes, random));
  const total = sources.length;

  const userDirs: string[] = [];
  const reds: ChaosNodeRed[] = [];
  for (let r = 0; r < (o.runtimes ?? 1); r++) {
    const userDir = await mkdtemp(join(tmpdir(), 'filebridge-chaos-'));
    userDirs.push(userDir);
    reds.push(new ChaosNodeRed(o.runtime, userDir, o.extraSettings));
  }
  const auditFiles = userDirs.map((d) => join(d, 'audit.jsonl'));
  const errorFiles = userDirs.map((d) => join(d, 'errors.jsonl'));
  const violations: string[] = [];
  let drainedAfterMs: number | undefined;
  try {
    for (const [r, red] of reds.entries()) {
      await red.prepare();
      await red.start();
      await red.deploy(ingestFlow(o, inbox, `Enterprise:${csPath.join('/')}`, auditFiles[r], errorFiles[r]));
    }
    await o.plan({ reds, servers: o.servers, sim: o.sim, random, log, files: total, documents: () => documentsIn(o.sim, csPath).length });
    const restartedAt = Date.now();
    // The watch's defaults take at most 100 files per poll, one poll every 10 s: files still waiting
    // after the last disturbance need that many polls on top of the minute.
    const pollMs = o.watch?.intervalSeconds !== undefined ? o.watch.intervalSeconds * 1000 : DEFAULT_POLL_MS;
    const waiting = total - documentsIn(o.sim, csPath).length;
    const within = (o.drainWithinMs ?? 60_000) + Math.ceil(waiting / DEFAULT_WATCH_SETTINGS.maxFilesPerPoll) * pollMs;
    const local = (rel: string): string => o.servers.localPath(`${inbox}/${rel}`);
    const done = async (): Promise<boolean> => {
      const delivered = deliveryOf(sources, documentsIn(o.sim, csPath));
      if (delivered.lost > 0) return false;
      if ((await filesBelow(local('.filebridge/processing'))).length > 0) return false;
      const inboxFiles = (await filesBelow(o.servers.localPath(inbox))).filter((f) => !f.path.includes('/.filebridge/'));
      return o.ack === 'leave' ? inboxFiles.length === total : inboxFiles.length === 0;
    };
    while (Date.now() - restartedAt < within + 30_000) {
      if (await done()) {
        drainedAfterMs = Date.now() - restartedAt;
        break;
      }
      await sleep(500);
    }
    // Files left in place must not come round again: watch two more polls (10 s each by default).
    if (o.ack === 'leave' && drainedAfterMs !== undefined) await sleep(2 * pollMs + 2000);
    const crashed = reds.filter((red) => red.pid() === undefined).length;
    for (const red of reds) await red.stop();

    const docs = documentsIn(o.sim, csPath);
    const delivered = deliveryOf(sources, docs);
    const claims = await filesBelow(local('.filebridge/processing'));
    const failed = (await filesBelow(local('.filebridge/failed'))).filter((f) => !f.path.endsWith('.error.json'));
    const inboxFiles = (await filesBelow(o.servers.localPath(inbox))).filter((f) => !f.path.includes('/.filebridge/'));
    const archived = await filesBelow(local('.filebridge/archive'));
    const disposedOnce = sources.filter((sha) => {
      const count = (list: { sha: string }[]): number => list.filter((f) => f.sha === sha).length;
      if (o.ack === 'archive') return count(archived) === 1 && count(inboxFiles) === 0;
      if (o.ack === 'leave') return count(inboxFiles) === 1;
      return count(inboxFiles) === 0 && count(archived) === 0;
    }).length;
    const uploads = docs.reduce((n, d) => n + d.shas.length, 0);
    const audits = (await Promise.all(auditFiles.map((f) => readFile(f, 'utf8').catch(() => ''))))
      .join('\n')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => (JSON.parse(l) as { source: { path: string } }).source.path);
    const reprocessed = [...new Set(audits)].filter((path) => audits.filter((a) => a === path).length > 1).length;
    const errorLines = (await Promise.all(errorFiles.map((f) => readFile(f, 'utf8').catch(() => ''))))
      .join('\n')
      .split('\n')
      .filter((l) => l.trim() !== '');
    const byCode = new Map<string, number>();
    for (const l of errorLines) {
      const code = String((JSON.parse(l) as { code?: unknown }).code ?? 'none');
      byCode.set(code, (byCode.get(code) ?? 0) + 1);
    }
    const caught = [...byCode].map(([code, n]) => `${code}:${n}`).join(',') || 'none';

    if (delivered.deliveredOnce !== total) violations.push(`${total - delivered.deliveredOnce} files not in Content Server exactly once`);
    if (delivered.lost > 0) violations.push(`${delivered.lost} files lost`);
    if (delivered.duplicateDocs > 0) violations.push(`${delivered.duplicateDocs} duplicate documents`);
    if (delivered.extraIdenticalVersions > 0) violations.push(`${delivered.extraIdenticalVersions} extra identical versions`);
    if (disposedOnce !== total) violations.push(`${total - disposedOnce} sources not disposed of exactly once (${o.ack})`);
    if (crashed > 0) violations.push(`${crashed} Node-RED processes died by themselves`);
    if (reprocessed > 0) violations.push(`${reprocessed} files went through the flow again after they were acked`);
    if (claims.length > 0) violations.push(`${claims.length} files stuck in the claim folder`);
    if (failed.length > 0) violations.push(`${failed.length} files quarantined`);
    if (drainedAfterMs === undefined || drainedAfterMs > within) {
      violations.push(
        `not drained within ${within / 1000} s of the last disturbance (${waiting} files were waiting)${drainedAfterMs === undefined ? '' : ` (${(drainedAfterMs / 1000).toFixed(1)} s)`}`,
      );
    }
    const line =
      `chaos ${o.scenario} protocol=${o.protocol} ack=${o.ack} collision=${o.collision ?? 'default'} seed=${o.seed} ` +
      `files=${total}${o.bigFileBytes ? ` big_file_mib=${Math.round(o.bigFileBytes / 1048576)}` : ''} runtimes=${reds.length} kills=${reds.reduce((n, red) => n + red.kills, 0)} delivered_once=${delivered.deliveredOnce} lost=${delivered.lost} ` +
      `duplicate_docs=${delivered.duplicateDocs} extra_identical_versions=${delivered.extraIdenticalVersions} versions=${uploads} ` +
      `disposed_once=${disposedOnce} acks_logged=${audits.length} reprocessed=${reprocessed} stuck_claims=${claims.length} quarantined=${failed.length} caught=${caught} ` +
      `drained_after_s=${drainedAfterMs === undefined ? 'never' : (drainedAfterMs / 1000).toFixed(1)} drain_limit_s=${within / 1000}`;
    if (violations.length > 0) {
      for (const red of reds) log(red.output().split('\n').slice(-40).join('\n'));
      log(`  errors the Catch node saw:\n${errorLines.slice(0, 30).join('\n')}`);
    }
    return { line, violations, drainedAfterMs };
  } finally {
    for (const red of reds) await red.stop().catch(() => undefined);
    for (const dir of userDirs) await rm(dir, { recursive: true, force: true });
  }
}
