/**
 * Part `busy` of `npm run bench` (issue 19, target 4): a real Node-RED watching a busy folder at a
 * 1 s poll. The folder holds many files the watch is done with (left in place and in the ledger, as
 * a copy-mode watch of a partner's folder leaves them), and a new file now and then. Measured from
 * outside the Node-RED process: its RSS (median and peak) and CPU while nothing changes, the
 * server's CPU beside it, the time from a file dropped into the folder to its ack, and one full
 * poll of the folder next to OpenSSH `sftp` `ls -l` and lftp `cls -l` of the same folder.
 *
 * Setup costs nothing the measurement sees: the files are made on the local disk through the dev
 * servers' home (not through SFTP), and the ledger's journal in Node-RED's user directory is
 * written with the entries an ack would have written, before the flow is deployed.
 *
 * Quick: 2,000 files, 10 s watching, SFTP and FTP. Full: 50,000 files, 60 s watching each, plus a
 * recursive watch of a tree of 5,000 folders on SFTP (about 4 minutes in all here).
 * `BENCH_BUSY_SCENARIOS=ftp` (or `sftp`, `tree`, comma-separated) runs only those scenarios, to profile one.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, utimes, writeFile, chown, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Ledger, MemoryStore, type LedgerEntry } from '../../src/core/pipeline/ledger';
import { JOURNAL_FILE } from '../../src/core/pipeline/ledger-journal';
import { DEFAULT_WATCH_SETTINGS, Watcher } from '../../src/core/pipeline/watcher';
import { createPool } from '../../src/core/remote/connect';
import { lineLogNodes, serverConfigNode } from '../chaos/flow-parts';
import type { DevServers } from '../servers';
import { benchConnection, devServerOptions } from '../support/server-options';
import { treeCpuSeconds } from '../support/proc-stats';
import { startFlowRig, type FlowRig } from './node-red-rig';
import { median, type BenchRow } from './report';
import type { BenchContext, BenchSection } from './section';

const SECTION = 'busy';
const INTERVAL_S = 1;
/** The watch's default stability window (stable: size and mtime unchanged for 2 s). */
const STABLE_S = 2;
/** Every old file's mtime: whole seconds, so the ledger key the bench writes is the one the watch computes. */
const OLD_MTIME_S = Math.floor(Date.parse('2026-01-05T10:00:00Z') / 1000);

interface Scenario {
  protocol: 'sftp' | 'ftp';
  label: string;
  folder: string;
  /** Sub folders (a recursive watch), 0 for one flat folder. */
  folders: number;
  files: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a command, discarding its output; resolves its wall time in seconds. */
function timed(command: string, args: string[], input = ''): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`${command} exited with ${code}: ${stderr.trim()}`)),
    );
    child.stdin.end(input);
  });
}

/** The pid listening on a loopback TCP port (sshd, vsftpd), from `ss`. */
async function listenerPid(port: number): Promise<number> {
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('ss', ['-ltnpH', `sport = :${port}`], { stdio: ['ignore', 'pipe', 'ignore'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(text));
  });
  const pid = Number(/pid=(\d+)/.exec(out)?.[1]);
  if (!Number.isInteger(pid)) throw new Error(`No process listens on port ${port}: ${out}`);
  return pid;
}

/** The old files, made on the local disk and owned by the test user; returns their paths relative to the watched folder. */
async function makeFolder(s: DevServers, sc: Scenario): Promise<{ rel: string; size: number }[]> {
  await s.remove(sc.folder);
  await s.mkdirp(sc.folder);
  const root = s.localPath(sc.folder);
  const { uid, gid } = await stat(root);
  const dirs = sc.folders === 0 ? [''] : Array.from({ length: sc.folders }, (_, i) => `d${String(i).padStart(5, '0')}`);
  const perDir = Math.ceil(sc.files / dirs.length);
  const made: { rel: string; size: number }[] = [];
  for (const dir of dirs) {
    if (dir) {
      await mkdir(join(root, dir));
      await chown(join(root, dir), uid, gid);
    }
    const batch: Promise<void>[] = [];
    for (let i = 0; i < perDir && made.length < sc.files; i++) {
      const rel = `${dir ? `${dir}/` : ''}old-${String(made.length).padStart(6, '0')}.dat`;
      const body = `old file ${rel}\n`;
      made.push({ rel, size: Buffer.byteLength(body) });
      const full = join(root, rel);
      batch.push(
        (async () => {
          await writeFile(full, body);
          await chown(full, uid, gid);
          await utimes(full, OLD_MTIME_S, OLD_MTIME_S);
        })(),
      );
      if (batch.length >= 256) await Promise.all(batch.splice(0));
    }
    await Promise.all(batch);
    if (dir) await utimes(join(root, dir), OLD_MTIME_S, OLD_MTIME_S);
  }
  return made;
}

/** The ledger journal an ack of every old file would have left: the watch starts done with all of them. */
async function writeLedger(rig: FlowRig, s: DevServers, sc: Scenario, made: { rel: string; size: number }[]): Promise<void> {
  const port = sc.protocol === 'sftp' ? s.sftp.port : s.ftp.port;
  const host = sc.protocol === 'sftp' ? s.sftp.host : s.ftp.host;
  const ledger = new Ledger(new MemoryStore(), Ledger.prefixFor(host, port, sc.folder), 30 * 86_400_000);
  const now = Date.now();
  const mtime = new Date(OLD_MTIME_S * 1000).toISOString();
  const lines = made.map(({ rel, size }) => {
    const facts = { path: `${sc.folder}/${rel}`, size, mtime };
    const v: LedgerEntry = { ...facts, outcome: 'left', at: new Date(now).toISOString(), expires: now + 30 * 86_400_000 };
    return JSON.stringify({ k: ledger.keyOf(facts), v });
  });
  await mkdir(join(rig.userDir, '.filebridge'), { recursive: true });
  await writeFile(join(rig.userDir, '.filebridge', JOURNAL_FILE), `${lines.join('\n')}\n`);
}

function flow(s: DevServers, sc: Scenario, auditFile: string, seenFile: string): { id: string; type: string; [k: string]: unknown }[] {
  const tab = `busy-${sc.label}`;
  return [
    { id: tab, type: 'tab', label: tab },
    serverConfigNode(`${tab}-srv`, s, sc.protocol),
    {
      id: `${tab}-watch`,
      type: 'filebridge-watch',
      z: tab,
      server: `${tab}-srv`,
      folder: sc.folder,
      recursive: sc.folders > 0,
      take: 'inPlace',
      intervalSeconds: String(INTERVAL_S),
      wires: [[`${tab}-ack`, `${tab}-seen`]],
    },
    ...lineLogNodes(`${tab}-seen`, tab, 'filebridge.source.path', seenFile),
    { id: `${tab}-ack`, type: 'filebridge-ack', z: tab, action: 'leave', wires: [[`${tab}-audit`]] },
    ...lineLogNodes(`${tab}-audit`, tab, 'filebridge.audit.source.path', auditFile),
  ];
}

const lines = async (file: string): Promise<string[]> => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter((l) => l.trim() !== '');

/**
 * One full poll of a fresh watch in this process (everything listed, nothing stable yet) next to
 * the reference client's listing of the same folder, alternating.
 */
async function fullPoll(ctx: BenchContext, s: DevServers, sc: Scenario): Promise<{ ours: number; reference: number; refName: string }> {
  const options = devServerOptions(s, sc.protocol, benchConnection(s, sc.protocol));
  const keyFile = join(ctx.work, 'id');
  const knownHosts = join(ctx.work, 'known_hosts');
  await writeFile(keyFile, s.sftp.privateKey, { mode: 0o600 });
  await writeFile(knownHosts, `${s.sftp.knownHostsLines.join('\n')}\n`);
  const sftpArgs = ['-q', '-b', '-', '-i', keyFile, '-P', String(s.sftp.port), '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'BatchMode=yes'];
  const refName =
    sc.protocol === 'ftp'
      ? 'lftp `cls -l` (new connection)'
      : sc.folders > 0
        ? 'OpenSSH `sftp -b` `ls -l` of the top folder only (it has no recursive listing)'
        : 'OpenSSH `sftp -b` `ls -l` (new connection)';
  const reference = (): Promise<number> =>
    sc.protocol === 'sftp'
      ? timed('sftp', [...sftpArgs, `${s.username}@${s.sftp.host}`], `ls -l ${sc.folder}\n`)
      : timed('lftp', ['-u', `${s.username},${s.password}`, '-p', String(s.ftp.port), '-e', `set ftp:ssl-allow no; cls -l ${sc.folder}/; quit`, s.ftp.host]);
  const pool = createPool(options, { size: 1 });
  const ours: number[] = [];
  const refs: number[] = [];
  try {
    // One connection made before the clock starts (a running watch keeps its pooled connection).
    await pool.use(async () => undefined, true);
    for (let i = 0; i < ctx.runs; i++) {
      const origin = { server: 'bench', watch: 'bench', protocol: sc.protocol, host: options.host, port: options.port, folder: sc.folder };
      const w = new Watcher(
        { ...DEFAULT_WATCH_SETTINGS, folder: sc.folder, recursive: sc.folders > 0, take: 'move' },
        {
          pool,
          origin,
          emit: () => Promise.reject(new Error('a fresh watch sends nothing in its first poll')),
        },
      );
      const started = performance.now();
      await w.trigger();
      ours.push((performance.now() - started) / 1000);
      const listed = w.lastReport?.listed ?? 0;
      w.close();
      // The old files and the new ones the latency runs dropped in.
      if (listed !== sc.files + ctx.runs) throw new Error(`A full poll of ${sc.folder} listed ${listed} files, not ${sc.files + ctx.runs}`);
      refs.push(await reference());
    }
  } finally {
    await pool.close();
  }
  return { ours: median(ours), reference: median(refs), refName };
}

async function runScenario(ctx: BenchContext, rig: FlowRig, s: DevServers, sc: Scenario): Promise<BenchRow[]> {
  const watchS = ctx.quick ? 5 : 60;
  ctx.log(`  ${sc.label}: making ${sc.files} files${sc.folders ? ` in ${sc.folders} folders` : ''}`);
  const made = await makeFolder(s, sc);
  await writeLedger(rig, s, sc, made);
  const auditFile = join(ctx.work, `audit-${sc.label}.txt`);
  const seenFile = join(ctx.work, `seen-${sc.label}.txt`);
  await rig.deploy(flow(s, sc, auditFile, seenFile));
  const serverPid = await listenerPid(sc.protocol === 'sftp' ? s.sftp.port : s.ftp.port);

  // Settle: the first polls list everything and look each file up in the ledger once.
  const settleStart = performance.now();
  const startRss = rig.watchRss(50);
  for (;;) {
    const cpu = rig.cpu();
    await sleep(2000);
    const { cores } = cpu.stop();
    const waited = (performance.now() - settleStart) / 1000;
    // FTP LIST gives folder times in minutes: its folders are trusted a minute after they were first seen.
    if ((cores < 0.15 && waited > 5) || waited > (ctx.quick ? 15 : 75)) break;
  }
  const settle = { seconds: (performance.now() - settleStart) / 1000, peakMb: startRss.stop().peak / 1e6 };
  const early = await lines(auditFile);
  if (early.length > 0) throw new Error(`The watch sent ${early.length} files it had in its ledger (first: ${early[0]}): the ledger journal was not taken`);

  ctx.log(`  ${sc.label}: settled after ${settle.seconds.toFixed(0)} s (peak ${settle.peakMb.toFixed(0)} MB); watching ${watchS} s`);
  const rssSamples: number[] = [];
  const rss = rig.watchRss(50);
  const cpu = rig.cpu();
  const serverCpu0 = treeCpuSeconds(serverPid);
  const began = performance.now();
  while (performance.now() - began < watchS * 1000) {
    await sleep(250);
    rssSamples.push(rig.rss() / 1e6);
  }
  const { cores } = cpu.stop();
  const serverCores = (treeCpuSeconds(serverPid) - serverCpu0) / ((performance.now() - began) / 1000);
  const peakMb = rss.stop().peak / 1e6;
  if ((await lines(auditFile)).length > 0) throw new Error(`The watch sent files while nothing changed: ${(await lines(auditFile)).slice(0, 3).join(', ')}`);

  // New-file latency: a file dropped into the busy folder (the deepest folder of a tree), until its ack.
  const latencies: number[] = [];
  const root = s.localPath(sc.folder);
  const { uid, gid } = await stat(root);
  for (let i = 0; i < ctx.runs; i++) {
    const rel = `${sc.folders ? `d${String(sc.folders - 1).padStart(5, '0')}/` : ''}new-${i}.dat`;
    const before = (await lines(seenFile)).length;
    const started = performance.now();
    await writeFile(join(root, rel), `new file ${i}\n`);
    await chown(join(root, rel), uid, gid);
    for (;;) {
      const seen = await lines(seenFile);
      if (seen.length > before) {
        if (seen.length !== before + 1 || seen[before] !== `${sc.folder}/${rel}`)
          throw new Error(`Expected ${sc.folder}/${rel} sent, got ${seen.slice(before).join(', ')}`);
        break;
      }
      if (performance.now() - started > 60_000) throw new Error(`${rel} was not sent within 60 s. Node-RED printed:\n${rig.output().slice(-3000)}`);
      await sleep(20);
    }
    latencies.push((performance.now() - started) / 1000);
    // Its ack puts it in the ledger: the folder is done with again.
    for (const by = performance.now() + 30_000; (await lines(auditFile)).length < i + 1; await sleep(50)) {
      if (performance.now() > by) throw new Error(`${rel} was sent but not acked within 30 s`);
    }
    // The next file arrives into a folder the watch is done with again.
    await sleep((INTERVAL_S + STABLE_S + 2) * 1000);
  }
  ctx.log(`  ${sc.label}: latencies ${latencies.map((l) => l.toFixed(2)).join(', ')} s`);

  const poll = await fullPoll(ctx, s, sc);
  await rig.deploy([]);
  await s.remove(sc.folder);

  const what = `${sc.label}: ${sc.files.toLocaleString('en')} files${sc.folders ? ` in ${sc.folders.toLocaleString('en')} folders (recursive)` : ''}, 1 s poll`;
  const serverName = sc.protocol === 'sftp' ? 'sshd' : 'vsftpd';
  return [
    {
      section: SECTION,
      what: `${what}: Node-RED RSS while watching, median`,
      ours: median(rssSamples),
      unit: 'MB',
      better: 'lower',
      target: { atMost: 200 },
      note: `peak ${peakMb.toFixed(0)} MB; ${settle.peakMb.toFixed(0)} MB peak while the first polls looked ${sc.files} files up in the ledger`,
    },
    { section: SECTION, what: `${what}: Node-RED RSS while watching, peak`, ours: peakMb, unit: 'MB', better: 'lower', target: { atMost: 200 } },
    {
      section: SECTION,
      what: `${what}: Node-RED CPU between changes`,
      ours: cores,
      unit: 'cores',
      better: 'lower',
      target: { atMost: 0.2 },
      note: `${serverName} beside it ${serverCores.toFixed(3)} cores, ${watchS} s`,
    },
    {
      section: SECTION,
      what: `${what}: new file dropped in, until its message`,
      ours: median(latencies),
      unit: 's',
      better: 'lower',
      target: { atMost: INTERVAL_S + STABLE_S },
      note: `interval ${INTERVAL_S} s + stability ${STABLE_S} s; median of ${latencies.length}`,
    },
    {
      section: SECTION,
      what: `${sc.label}: one full poll of a fresh watch (everything listed)`,
      ours: poll.ours,
      unit: 's',
      better: 'lower',
      reference: { name: poll.refName, value: poll.reference },
      note: 'our figure on a connection already open',
    },
  ];
}

export const busyFoldersSection: BenchSection = {
  name: SECTION,
  async run(ctx) {
    const s = await ctx.servers();
    const files = ctx.quick ? 500 : 50_000;
    const all: (Scenario & { key: string })[] = [
      { key: 'sftp', protocol: 'sftp', label: 'SFTP folder', folder: 'bench-busy/sftp', folders: 0, files },
      { key: 'ftp', protocol: 'ftp', label: 'FTP folder', folder: 'bench-busy/ftp', folders: 0, files },
      ...(ctx.quick ? [] : [{ key: 'tree', protocol: 'sftp' as const, label: 'SFTP tree', folder: 'bench-busy/tree', folders: 5_000, files: 20_000 }]),
    ];
    // BENCH_BUSY_SCENARIOS=ftp (or sftp, tree, comma-separated) runs some scenarios alone, for profiling one.
    const chosen = (process.env.BENCH_BUSY_SCENARIOS ?? 'sftp,ftp,tree').split(',').map((x) => x.trim());
    const scenarios: Scenario[] = all.filter((sc) => chosen.includes(sc.key));
    const rows: BenchRow[] = [];
    for (const sc of scenarios) {
      // A fresh Node-RED per scenario: each starts with only its own ledger, and one scenario's garbage is not charged to the next.
      const rigStarted = performance.now();
      const rig = await startFlowRig();
      ctx.log(`  Node-RED with the packed package started in ${((performance.now() - rigStarted) / 1000).toFixed(0)} s`);
      try {
        rows.push(...(await runScenario(ctx, rig, s, sc)));
      } catch (err) {
        ctx.log(rig.output().slice(-3000));
        throw err;
      } finally {
        await rig.stop();
      }
    }
    await s.remove('bench-busy');
    return rows;
  },
};
