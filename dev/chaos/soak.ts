/**
 * The soak: one real Node-RED watching a busy folder for a long time. A folder of `files` files is
 * polled `polls` times (as fast as the watch allows, 0.1 s) while new files keep arriving and old
 * ones go; every file is acked with "leave in place", so each poll lists the whole folder and asks
 * the ledger about it. Node-RED's resident memory, its open file descriptors and its connections to
 * the server are sampled from /proc (from outside the process: nothing in the flow measures itself)
 * and must stay flat; every file must be acked exactly once.
 */
import { readdir, readFile, readlink, rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Runtime } from '../sandbox/node-red-process';
import type { DevServers } from '../servers';
import { ChaosNodeRed, sleep, type FlowNodeJson } from './node-red';
import { lineLogNodes, serverConfigNode } from './flow-parts';
import { Random } from './random';

export interface SoakOptions {
  servers: DevServers;
  runtime: Runtime;
  protocol: 'sftp' | 'ftp';
  /** Files in the folder (the busy folder). */
  files: number;
  /** Polls to watch for. */
  polls: number;
  /** A new file every this many ms (and the oldest arrival removed, so the folder keeps its size). */
  arrivalEveryMs: number;
  seed: number;
  /** Gives up after this long even if fewer polls were seen. */
  maxMs?: number;
  log?: (line: string) => void;
}

export interface SoakSample {
  at: number;
  rssMb: number;
  fds: number;
  sessions: number;
}

export interface SoakResult {
  line: string;
  violations: string[];
  samples: SoakSample[];
  /** What the watch showed besides "polling" and what Node-RED logged last: why, when something went wrong. */
  diagnosis: string;
}

/** A real process's resident memory (MB), open file descriptors and TCP connections to `port`. */
export async function sampleProcess(pid: number, port: number): Promise<Omit<SoakSample, 'at'>> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  const fdNames = await readdir(`/proc/${pid}/fd`);
  const sockets = new Set<string>();
  for (const fd of fdNames) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode) sockets.add(inode);
  }
  let sessions = 0;
  for (const table of ['tcp', 'tcp6']) {
    const text = await readFile(`/proc/${pid}/net/${table}`, 'utf8').catch(() => '');
    for (const row of text.split('\n').slice(1)) {
      const cols = row.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const remotePort = parseInt(cols[2].split(':')[1] ?? '', 16);
      // 01 = ESTABLISHED (linux include/net/tcp_states.h).
      if (remotePort === port && cols[3] === '01' && sockets.has(cols[9])) sessions++;
    }
  }
  return { rssMb: rssKb / 1024, fds: fdNames.length, sessions };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)];
};

export function soakFlow(o: SoakOptions, inbox: string, auditFile: string, statusFile: string): FlowNodeJson[] {
  return [
    { id: 'soak-tab', type: 'tab', label: 'soak' },
    serverConfigNode('soak-srv', o.servers, o.protocol),
    { id: 'soak-watch', type: 'filebridge-watch', z: 'soak-tab', server: 'soak-srv', folder: inbox, intervalSeconds: '0.1', wires: [['soak-ack']] },
    { id: 'soak-ack', type: 'filebridge-ack', z: 'soak-tab', action: 'leave', wires: [['soak-audit']] },
    ...lineLogNodes('soak-audit', 'soak-tab', 'filebridge.audit.source.path', auditFile),
    // Every status the watch shows: a poll that starts with no file in flight shows "polling".
    { id: 'soak-status', type: 'status', z: 'soak-tab', scope: ['soak-watch'], wires: [['soak-status-text']] },
    ...lineLogNodes('soak-status-text', 'soak-tab', 'status.text', statusFile),
  ];
}

const lines = async (file: string): Promise<string[]> => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter((l) => l.trim() !== '');

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const log = o.log ?? (() => undefined);
  const random = new Random(o.seed);
  const id = `soak-${o.protocol}-${o.seed}`;
  const inbox = `${id}/inbox`;
  await o.servers.remove(id);
  await o.servers.mkdirp(inbox);
  const name = (i: number): string => `f-${String(i).padStart(6, '0')}.txt`;
  for (let i = 0; i < o.files; i++) await o.servers.writeFile(`${inbox}/${name(i)}`, random.bytes(random.int(100, 2000)));

  const userDir = await mkdtemp(join(tmpdir(), 'filebridge-soak-'));
  const auditFile = join(userDir, 'audit.txt');
  const statusFile = join(userDir, 'status.txt');
  const red = new ChaosNodeRed(o.runtime, userDir);
  const serverPort = o.protocol === 'sftp' ? o.servers.sftp.port : o.servers.ftp.port;
  const violations: string[] = [];
  const samples: SoakSample[] = [];
  const polls = async (): Promise<number> => (await lines(statusFile)).filter((l) => l === 'polling').length;
  try {
    await red.prepare();
    await red.start();
    await red.deploy(soakFlow(o, inbox, auditFile, statusFile));
    const pid = red.pid();
    if (pid === undefined) throw new Error('Node-RED is not running');

    // The folder as it is: every file acked once before the clock starts.
    const settleBy = Date.now() + 600_000;
    while ((await lines(auditFile)).length < o.files) {
      if (Date.now() > settleBy) throw new Error(`only ${(await lines(auditFile)).length} of ${o.files} files were acked within 10 minutes`);
      await sleep(1000);
    }
    const startPolls = await polls();
    const started = Date.now();
    log(`  soak: ${o.files} files acked in place; ${o.polls} polls from now`);

    let next = o.files;
    let oldestArrival = o.files;
    let lastArrival = Date.now();
    let lastSample = 0;
    let seen = 0;
    const deadline = started + (o.maxMs ?? 4 * 3_600_000);
    while (Date.now() < deadline) {
      const now = Date.now();
      if (now - lastArrival >= o.arrivalEveryMs) {
        lastArrival = now;
        await o.servers.writeFile(`${inbox}/${name(next++)}`, random.bytes(random.int(100, 2000)));
        // Keep the folder's size: the oldest arrival goes once it has surely been acked (100 arrivals later).
        if (next - oldestArrival > 100) await o.servers.remove(`${inbox}/${name(oldestArrival++)}`);
      }
      if (now - lastSample >= 5000) {
        lastSample = now;
        samples.push({ at: now - started, ...(await sampleProcess(pid, serverPort)) });
        seen = (await polls()) - startPolls;
        if (seen >= o.polls) break;
      }
      await sleep(Math.min(200, o.arrivalEveryMs));
    }
    // The last arrivals get their poll.
    const arrivals = next - o.files;
    const drainBy = Date.now() + 30_000;
    while ((await lines(auditFile)).length < o.files + arrivals && Date.now() < drainBy) await sleep(500);
    samples.push({ at: Date.now() - started, ...(await sampleProcess(pid, serverPort)) });
    seen = (await polls()) - startPolls;

    const audits = await lines(auditFile);
    const counts = new Map<string, number>();
    for (const path of audits) counts.set(path, (counts.get(path) ?? 0) + 1);
    const twice = [...counts.values()].filter((n) => n > 1).length;
    const missing = o.files + arrivals - counts.size;
    const claims = (await readdir(o.servers.localPath(`${inbox}/.filebridge/processing`)).catch(() => [])).length;

    // First and last fifth of the samples (at least three each), medians: one GC pause is not a trend.
    const k = Math.max(3, Math.floor(samples.length / 5));
    const head = samples.slice(0, k);
    const tail = samples.slice(-k);
    const rss0 = median(head.map((x) => x.rssMb));
    const rss1 = median(tail.map((x) => x.rssMb));
    const fds0 = median(head.map((x) => x.fds));
    const fds1 = median(tail.map((x) => x.fds));
    const sessionsMax = Math.max(...samples.map((x) => x.sessions));
    const sessions1 = tail[tail.length - 1]?.sessions ?? NaN;

    if (seen < o.polls) violations.push(`only ${seen} polls seen of ${o.polls}`);
    if (twice > 0) violations.push(`${twice} files acked more than once`);
    if (missing > 0) violations.push(`${missing} files never acked`);
    if (claims > 0) violations.push(`${claims} files left in the claim folder`);
    // Flat: memory within a quarter (and 40 MB) of where it started, a handful of descriptors, never more connections than the pool.
    if (rss1 > rss0 * 1.25 && rss1 - rss0 > 40) violations.push(`resident memory grew from ${rss0.toFixed(0)} MB to ${rss1.toFixed(0)} MB`);
    if (fds1 - fds0 > 10) violations.push(`open file descriptors grew from ${fds0} to ${fds1}`);
    if (sessionsMax > 3) violations.push(`${sessionsMax} connections to the server at once (a pool of 2 and its one reserve)`);
    if (red.pid() === undefined) violations.push('Node-RED died');

    const line =
      `chaos soak protocol=${o.protocol} seed=${o.seed} files=${o.files} polls=${seen} minutes=${((Date.now() - started) / 60_000).toFixed(1)} ` +
      `arrivals=${arrivals} acked_once=${[...counts.values()].filter((n) => n === 1).length} acked_twice=${twice} never_acked=${missing} ` +
      `rss_mb=${rss0.toFixed(0)}->${rss1.toFixed(0)} fds=${fds0}->${fds1} sessions_max=${sessionsMax} sessions_end=${sessions1}`;
    let diagnosis = '';
    if (violations.length > 0) {
      const shown = new Map<string, number>();
      for (const text of await lines(statusFile)) if (text !== 'polling' && !/^\d+ in flight/.test(text)) shown.set(text, (shown.get(text) ?? 0) + 1);
      const ackedNames = new Set([...counts.keys()].map((p) => p.slice(p.lastIndexOf('/') + 1)));
      const unacked = [...Array(o.files + arrivals).keys()].map(name).filter((n) => !ackedNames.has(n));
      diagnosis = [
        `statuses other than polling/in flight: ${[...shown].map(([t, n]) => `"${t}" x${n}`).join(', ') || 'none'}`,
        `never acked: ${unacked.slice(0, 5).join(', ')}${unacked.length > 5 ? ` and ${unacked.length - 5} more` : ''}`,
        `Node-RED's last lines:`,
        ...red.output().split('\n').slice(-25),
      ].join('\n');
      log(diagnosis);
    }
    return { line, violations, samples, diagnosis };
  } finally {
    await red.stop().catch(() => undefined);
    await rm(userDir, { recursive: true, force: true });
    await o.servers.remove(id).catch(() => undefined);
  }
}
