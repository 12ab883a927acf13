/**
 * Part `flow-sim` of `npm run bench` (issue 19, target 5): whole flows through the simulators, as a
 * user runs them. The packed package in Node-RED 4.1 (node-red-rig.ts, its own process), each
 * simulator its own process, so only Node-RED's CPU and memory are charged to ours:
 *
 *   (a) Dropbox -> Content Server: filebridge-watch on the Dropbox simulator -> cs upload -> ack
 *       (delete), the settings of examples/dbx-cs-01 without its validate and map steps;
 *   (b) FTP -> File 360: filebridge-watch on vsftpd -> file360 put -> ack (delete), the settings of
 *       examples/f360-04.
 *
 * One file of 1 GiB (32 MiB with --quick) per run. It is put in place untimed, outside the watched
 * folder, and moved into it when the clock starts (Dropbox `files/move_v2`, a local rename for FTP),
 * so the watch sees a whole file at once. The watch's completeness rule is "age, 0 s": the flow time
 * holds no stability wait (a user's "stable for N s" adds N s plus a poll to it). The run ends when
 * the document is in the sink with the source's sha256 and the source is gone (acknowledged).
 *
 * The reference is the slower leg alone, measured in the same run on the same file: (a) curl
 * downloading it from the Dropbox simulator, or curl uploading it to the Content Server simulator in
 * one multipart request (`POST /v2/nodes`); (b) lftp getting it from vsftpd, or curl uploading it to
 * the File 360 simulator in one multipart request. Target: flow time <= 1.25x the slower leg.
 *
 * For profiling: BENCH_FLOW_SIM=file360 BENCH_FLOW_SIM_MB=256 node build/dev/bench/cli.js --only flow-sim
 * (one flow, a smaller file); NODE_OPTIONS reaches Node-RED (see whole-flow.ts).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { DevServers } from '../servers';
import { cpuSeconds } from '../support/proc-stats';
import { measureFlow, type FlowMeasurement } from './flow-measure';
import { startFlowRig, type FlowNodeJson, type FlowRig } from './node-red-rig';
import { median, type BenchRow } from './report';
import type { BenchContext, BenchSection } from './section';
import { randomFile, startSimProcess, stopSimProcess, timed, type SimProcess } from './sim-process';
import { serverConfigNode } from '../chaos/flow-parts';
import { benchCsUploadNode, benchWatchNode } from './flow-nodes';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const FLOW_RATIO = 0.8;
const RSS_MB = 150;

interface DropboxInfo {
  url: string;
  appKey: string;
  refreshToken: string;
}
interface CsInfo {
  url: string;
  apiBase: string;
  user: string;
  password: string;
}
interface File360Info {
  url: string;
  ssoUrl: string;
  clientId: string;
  clientSecret: string;
  user: string;
  password: string;
}

/** One run of a flow: ours, and both legs alone on the same file. */
interface FlowSample {
  flow: FlowMeasurement;
  /** Seconds of the source leg alone (download from the source). */
  source: number;
  /** Seconds of the sink leg alone (upload to the sink). */
  sink: number;
  /** CPU seconds of the simulators over our run (not charged to ours, printed beside it). */
  simCpu: number;
  /** Node-RED's RSS with the flow deployed and idle, just before the run (bytes). */
  idleRss: number;
  /** Seconds from the file's arrival to its claim (from the claim's name), when a poll saw the claim. */
  claimAfter?: number;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * MiB })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function json<T>(res: Response, what: string): Promise<T> {
  if (!res.ok) throw new Error(`${what}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  return (await res.json()) as T;
}

/** Runs a command with its stdout discarded; resolves with its wall seconds. */
async function seconds(command: string, args: string[]): Promise<number> {
  return (await timed(command, args)).ms / 1000;
}

/** Wall seconds of `curl`, and what it printed (an upload's answer). */
async function curl(args: string[]): Promise<{ seconds: number; stdout: string }> {
  const r = await timed('curl', ['-sS', '--fail', ...args]);
  return { seconds: r.ms / 1000, stdout: r.stdout };
}

/** CPU seconds the simulator processes use from now on, read from /proc. */
function simCpuMeter(sims: readonly SimProcess<object>[]): () => number {
  const read = (): number => sims.reduce((sum, s) => sum + (s.child.pid === undefined ? 0 : cpuSeconds(s.child.pid)), 0);
  const start = read();
  return () => read() - start;
}

/** The wait before the claim (the poll) and claim to ack, medians over the runs where a poll saw the claim. */
function claimNote(samples: readonly FlowSample[]): string {
  const seen = samples.filter((s) => s.claimAfter !== undefined);
  if (seen.length === 0) return 'claim not seen by a poll';
  const after = median(seen.map((s) => s.claimAfter ?? 0));
  return `claimed ${after.toFixed(2)} s after arrival, claim to ack ${median(seen.map((s) => s.flow.seconds - (s.claimAfter ?? 0))).toFixed(2)} s`;
}

function rows(name: string, size: number, samples: FlowSample[], reference: { source: string; sink: string }): BenchRow[] {
  const section = 'flow-sim';
  const flowSeconds = median(samples.map((s) => s.flow.seconds));
  const sourceSeconds = median(samples.map((s) => s.source));
  const sinkSeconds = median(samples.map((s) => s.sink));
  const slower = sourceSeconds >= sinkSeconds ? { name: reference.source, value: sourceSeconds } : { name: reference.sink, value: sinkSeconds };
  const gib = size / GiB;
  const label = `${(size / MiB).toFixed(0)} MiB`;
  return [
    {
      section,
      what: `${name}, ${label}, flow time`,
      ours: flowSeconds,
      unit: 's',
      better: 'lower',
      reference: { name: `slower leg alone: ${slower.name}`, value: slower.value },
      target: { ratio: FLOW_RATIO },
      note: `other leg ${(sourceSeconds >= sinkSeconds ? sinkSeconds : sourceSeconds).toFixed(2)} s; ${claimNote(samples)}; no stability wait (rule age, 0 s)`,
    },
    {
      section,
      what: `${name}, Node-RED CPU seconds per GiB`,
      ours: median(samples.map((s) => s.flow.cpuSeconds)) / gib,
      unit: 's/GiB',
      better: 'lower',
      note: `simulators ${(median(samples.map((s) => s.simCpu)) / gib).toFixed(1)} s/GiB, not charged`,
    },
    {
      section,
      what: `${name}, Node-RED peak RSS`,
      ours: Math.max(...samples.map((s) => s.flow.peakRss)) / 1e6,
      unit: 'MB',
      better: 'lower',
      target: { atMost: RSS_MB },
      note: `${(Math.max(...samples.map((s) => s.idleRss)) / 1e6).toFixed(0)} MB idle with the flow deployed, just before`,
    },
  ];
}

/** When the watch claimed the file: the `<claimedAt>` (ms) its claim's name starts with, once a poll sees it. */
function claimedAt(paths: readonly string[], name: string): number | undefined {
  const claim = paths.find((p) => p.endsWith(`~${name}`));
  const m = claim === undefined ? null : /^(\d{13})-/.exec(claim.slice(claim.lastIndexOf('/') + 1));
  return m ? Number(m[1]) : undefined;
}

/** The watched file, or its claim (`<claimedAt>-<token>-<attempt>-<owner>~<name>` in the claim folder). */
function isSourceOrClaim(path: string, name: string): boolean {
  return path.endsWith(`/${name}`) || path.endsWith(`~${name}`);
}

// ---------------------------------------------------------------------------------------------
// (a) Dropbox -> Content Server

async function csTicket(cs: CsInfo): Promise<string> {
  const res = await fetch(`${cs.apiBase}/v1/auth`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: cs.user, password: cs.password }).toString(),
  });
  return (await json<{ ticket: string }>(res, 'Content Server sign-in')).ticket;
}

interface CsTreeNode {
  id: number;
  name: string;
  sha256?: string;
  children?: CsTreeNode[];
}

/** The sha256 of the latest version of Enterprise/<folder>/<name> in the Content Server simulator. */
async function csDocumentSha(cs: CsInfo, folder: string, name: string): Promise<string | undefined> {
  const tree = await json<CsTreeNode>(await fetch(`${cs.url}/__sim/tree?root=2000`), 'Content Server tree');
  return tree.children?.find((c) => c.name === folder)?.children?.find((c) => c.name === name)?.sha256;
}

async function csNodeSha(cs: CsInfo, id: number): Promise<string | undefined> {
  const node = await json<{ versions: { sha256: string }[] }>(await fetch(`${cs.url}/__sim/nodes/${id}`), `Content Server node ${id}`);
  return node.versions[node.versions.length - 1]?.sha256;
}

async function dropboxToken(dbx: DropboxInfo): Promise<string> {
  const res = await fetch(`${dbx.url}/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: dbx.refreshToken, client_id: dbx.appKey }).toString(),
  });
  return (await json<{ access_token: string }>(res, 'Dropbox token')).access_token;
}

/** Lower-case paths of every file in the Dropbox simulator's personal space. */
async function dropboxPaths(dbx: DropboxInfo): Promise<string[]> {
  const state = await json<{ namespaces: { kind: string; entries: { path_lower: string; '.tag'?: string; size?: number }[] }[] }>(
    await fetch(`${dbx.url}/_sim/state`),
    'Dropbox state',
  );
  return (state.namespaces.find((n) => n.kind === 'home')?.entries ?? []).filter((e) => e.size !== undefined).map((e) => e.path_lower);
}

function dropboxFlow(dbx: DropboxInfo, cs: CsInfo): { flow: FlowNodeJson[] } {
  return {
    flow: [
      { id: 'fs-a', type: 'tab', label: 'Dropbox to Content Server' },
      {
        id: 'fs-a-dbx',
        type: 'filebridge-server',
        name: 'Dropbox simulator',
        protocol: 'dropbox',
        host: '',
        port: '',
        username: '',
        connectTimeout: 15,
        idleTimeout: 60,
        keepalive: 15,
        poolSize: 2,
        connectRetries: 2,
        unreadTimeout: 300,
        appKey: dbx.appKey,
        teamRoot: false,
        serviceUrl: dbx.url,
        accountName: '',
        credentials: { refreshToken: dbx.refreshToken },
      },
      {
        id: 'fs-a-cs',
        type: 'filebridge-cs-connection',
        name: 'Content Server simulator',
        baseUrl: cs.apiBase,
        authMode: 'password',
        otdsUrl: '',
        username: cs.user,
        clientId: '',
        timeout: 60,
        retries: 4,
        classificationRoot: '',
        categoryTemplates: '',
        largeFileMb: '64',
        credentials: { password: cs.password },
      },
      benchWatchNode({ id: 'fs-a-watch', z: 'fs-a', name: 'inbox', server: 'fs-a-dbx', folder: '/Inbox', longpoll: true, wires: [['fs-a-up']] }),
      benchCsUploadNode({
        id: 'fs-a-up',
        z: 'fs-a',
        name: 'file in Content Server',
        connection: 'fs-a-cs',
        folder: 'Enterprise:Bench',
        createFolders: true,
        wires: [['fs-a-ack']],
      }),
      { id: 'fs-a-ack', type: 'filebridge-ack', z: 'fs-a', name: 'delete in Dropbox', action: 'delete', archiveTemplate: '', wires: [[]] },
    ],
  };
}

/** What differs between the two flows in one timed run (see `timedRun`). */
interface TimedRun {
  /** The flow's name in the log ("Dropbox -> CS"). */
  label: string;
  name: string;
  sha: string;
  /** Where the flow stores the file, for an error ("Content Server"). */
  storedIn: string;
  sims: readonly SimProcess<object>[];
  /** The legs alone, measured just before, and how the log names them. */
  legs: { source: number; sourceName: string; sink: number; sinkName: string };
  /** Moves the file into the watched folder (the clock starts before it). */
  start(): Promise<void>;
  /** The paths left below the watched folder (the file, its claim, a failed copy). */
  left(): Promise<string[]>;
  /** The SHA-256 of the file in the sink, undefined while it is not there. */
  storedSha(): Promise<string | undefined>;
}

/**
 * One timed run of a deployed flow: it ends when the file and its claim have left the watched folder
 * and the sink holds the source's bytes. A file the flow failed, or one acknowledged without its copy
 * in the sink or with other bytes, fails the run.
 */
async function timedRun(ctx: BenchContext, rig: FlowRig, run: TimedRun, i: number, runs: number): Promise<FlowSample> {
  const idleRss = rig.rss();
  const simCpu = simCpuMeter(run.sims);
  let claimed: number | undefined;
  const arrived = Date.now();
  const flow = await measureFlow(rig, {
    start: () => run.start(),
    finished: async () => {
      const left = await run.left();
      claimed ??= claimedAt(left, run.name);
      if (left.some((p) => p.includes('/.filebridge/failed/'))) throw new Error(`the flow failed the file: ${left.join(', ')}\n${rig.output().slice(-3000)}`);
      if (left.some((p) => isSourceOrClaim(p, run.name))) return false;
      const got = await run.storedSha();
      if (got === undefined) throw new Error(`${run.name} was acknowledged but is not in ${run.storedIn}\n${rig.output().slice(-3000)}`);
      if (got !== run.sha) throw new Error(`${run.name} arrived in ${run.storedIn} with sha256 ${got}, expected ${run.sha}`);
      return true;
    },
    pollMs: 100,
    timeoutMs: ctx.quick ? 120_000 : 600_000,
  });
  ctx.log(
    `  ${run.label} run ${i}/${runs}: flow ${flow.seconds.toFixed(2)} s, ${run.legs.sourceName} ${run.legs.source.toFixed(2)} s, ${run.legs.sinkName} ${run.legs.sink.toFixed(2)} s, ` +
      `Node-RED ${flow.cpuSeconds.toFixed(1)} CPU s, peak ${(flow.peakRss / 1e6).toFixed(0)} MB`,
  );
  return { flow, source: run.legs.source, sink: run.legs.sink, simCpu: simCpu(), idleRss, ...(claimed ? { claimAfter: (claimed - arrived) / 1000 } : {}) };
}

async function runDropboxToCs(ctx: BenchContext, rig: FlowRig, size: number, runs: number): Promise<BenchRow[]> {
  const dir = join(ctx.work, 'flow-sim-a');
  await mkdir(join(dir, 'dbx'), { recursive: true });
  await mkdir(join(dir, 'cs'), { recursive: true });
  const source = join(dir, 'data.bin');
  await randomFile(source, size);
  const sha = await sha256Of(source);
  const dbx = await startSimProcess<DropboxInfo>('dropbox', 'the Dropbox simulator', join(dir, 'dbx'));
  let cs: SimProcess<CsInfo> | undefined;
  try {
    cs = await startSimProcess<CsInfo>('content-server', 'the Content Server simulator', join(dir, 'cs'));
    const c = cs;
    const token = await dropboxToken(dbx);
    const ticket = await csTicket(c);
    await rig.deploy(dropboxFlow(dbx, c).flow);
    const samples: FlowSample[] = [];
    for (let i = 1; i <= runs; i++) {
      const name = `run-${i}.bin`;
      // Untimed: the file into a folder the watch does not see (a streamed POST into the simulator).
      await timed('curl', ['-sS', '--fail', '-X', 'POST', '-T', source, `${dbx.url}/_sim/files?path=${encodeURIComponent(`/Staging/${name}`)}`]);
      // The legs alone, same file, same run.
      const down = await seconds('curl', [
        '-sS',
        '--fail',
        '-X',
        'POST',
        '-H',
        `Authorization: Bearer ${token}`,
        '-H',
        `Dropbox-API-Arg: {"path":"/Staging/${name}"}`,
        `${dbx.url}/2/files/download`,
        '-o',
        '/dev/null',
      ]);
      const up = await curl([
        '-H',
        `OTCSTicket: ${ticket}`,
        '-H',
        'Expect:',
        '-F',
        'type=144',
        '-F',
        'parent_id=2000',
        '-F',
        `name=curl-${name}`,
        '-F',
        `file=@${source};filename=curl-${name}`,
        `${c.apiBase}/v2/nodes`,
      ]);
      const curlId = Number(/"id"\s*:\s*(\d+)/.exec(up.stdout)?.[1]);
      if ((await csNodeSha(c, curlId)) !== sha) throw new Error(`the curl upload to the Content Server simulator arrived with different content`);
      samples.push(
        await timedRun(
          ctx,
          rig,
          {
            label: 'Dropbox -> CS',
            name,
            sha,
            storedIn: 'Content Server',
            sims: [dbx, c],
            legs: { source: down, sourceName: 'curl download', sink: up.seconds, sinkName: 'curl upload' },
            start: async () => {
              const res = await fetch(`${dbx.url}/2/files/move_v2`, {
                method: 'POST',
                headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
                body: JSON.stringify({ from_path: `/Staging/${name}`, to_path: `/Inbox/${name}` }),
              });
              await json(res, 'Dropbox move into the watched folder');
            },
            left: () => dropboxPaths(dbx),
            storedSha: () => csDocumentSha(c, 'Bench', name),
          },
          i,
          runs,
        ),
      );
    }
    return rows('Dropbox -> Content Server (watch, cs upload, ack)', size, samples, {
      source: 'curl download from the Dropbox simulator',
      sink: 'curl -F upload to the Content Server simulator',
    });
  } finally {
    await rig.deploy([]).catch(() => undefined);
    if (cs) await stopSimProcess(cs);
    await stopSimProcess(dbx);
  }
}

// ---------------------------------------------------------------------------------------------
// (b) FTP -> File 360

async function file360Token(f: File360Info): Promise<string> {
  const res = await fetch(`${f.ssoUrl}/otdsws/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: f.clientId,
      client_secret: f.clientSecret,
      username: f.user,
      password: f.password,
    }).toString(),
  });
  return (await json<{ access_token: string }>(res, 'File 360 token')).access_token;
}

interface File360State {
  account: { rootId: string };
  folders: { id: string; path: string }[];
  documents: { id: string; path: string; sha256: string; size: number }[];
}

async function file360State(f: File360Info): Promise<File360State> {
  return json<File360State>(await fetch(`${f.url}/_sim/state`), 'File 360 state');
}

/** Names of the files below a local folder, recursively. */
async function filesBelow(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesBelow(full)));
    else out.push(full);
  }
  return out;
}

function ftpFlow(servers: DevServers, f: File360Info): FlowNodeJson[] {
  return [
    { id: 'fs-b', type: 'tab', label: 'FTP to File 360' },
    { ...serverConfigNode('fs-b-ftp', servers, 'ftp'), name: 'vsftpd' },
    {
      id: 'fs-b-f360',
      type: 'filebridge-server',
      name: 'File 360 simulator',
      protocol: 'file360',
      host: '',
      port: '',
      username: '',
      connectTimeout: 15,
      idleTimeout: 60,
      keepalive: 15,
      poolSize: 4,
      connectRetries: 2,
      unreadTimeout: 300,
      apiUrl: f.url,
      ssoUrl: f.ssoUrl,
      clientId: f.clientId,
      credentials: { clientSecret: f.clientSecret },
    },
    benchWatchNode({
      id: 'fs-b-watch',
      z: 'fs-b',
      name: 'deliveries',
      server: 'fs-b-ftp',
      folder: 'flow-sim/inbox',
      leaseSeconds: 14400,
      maxInFlight: 2,
      maxBufferMB: 0,
      longpoll: false,
      wires: [['fs-b-put']],
    }),
    {
      id: 'fs-b-put',
      type: 'filebridge-f360-put',
      z: 'fs-b',
      name: 'stream into File 360',
      server: 'fs-b-f360',
      folder: 'Bench',
      createFolders: true,
      collision: 'overwrite',
      shares: [],
      details: 'record',
      detailsFolder: 'Transfer details',
      wires: [['fs-b-ack']],
    },
    { id: 'fs-b-ack', type: 'filebridge-ack', z: 'fs-b', name: 'delete on FTP', action: 'delete', archiveTemplate: '', wires: [[]] },
  ];
}

async function runFtpToFile360(ctx: BenchContext, rig: FlowRig, size: number, runs: number): Promise<BenchRow[]> {
  const servers = await ctx.servers();
  await servers.mkdirp('flow-sim/staging');
  await servers.mkdirp('flow-sim/inbox');
  const staging = servers.localPath('flow-sim/staging');
  const inbox = servers.localPath('flow-sim/inbox');
  const dir = join(ctx.work, 'flow-sim-b');
  await mkdir(dir, { recursive: true });
  const source = join(dir, 'data.bin');
  await randomFile(source, size);
  const sha = await sha256Of(source);
  const f = await startSimProcess<File360Info>('file360', 'the File 360 simulator', dir);
  try {
    const token = await file360Token(f);
    // curl's uploads go to the root folder, ours to Bench: the two never collide.
    const rootId = (await file360State(f)).account.rootId;
    await rig.deploy(ftpFlow(servers, f));
    const samples: FlowSample[] = [];
    for (let i = 1; i <= runs; i++) {
      const name = `run-${i}.bin`;
      const staged = join(staging, name);
      // Untimed: a copy owned by the FTP user, an mtime in the past (the age rule holds at first sight).
      await timed('sh', ['-c', 'cp "$1" "$2" && chown --reference="$3" "$2" && touch -d "-2 min" "$2"', 'sh', source, staged, staging]);
      const down = await seconds('lftp', [
        '-u',
        `${servers.username},${servers.password}`,
        '-p',
        String(servers.ftp.port),
        '-e',
        `set cmd:fail-exit yes; set ftp:ssl-allow no; set xfer:clobber on; get flow-sim/staging/${name} -o /dev/null; quit`,
        servers.ftp.host,
      ]);
      const up = await curl([
        '-H',
        `Authorization: Bearer ${token}`,
        '-H',
        'Expect:',
        '-F',
        `parentId=${rootId}`,
        '-F',
        `file=@${source};filename=curl-${name}`,
        `${f.url}/api/v3/documents?collisionStrategy=overwrite`,
      ]);
      const curlDoc = (await file360State(f)).documents.find((d) => d.path.endsWith(`/curl-${name}`));
      if (curlDoc?.sha256 !== sha) throw new Error('the curl upload to the File 360 simulator arrived with different content');
      samples.push(
        await timedRun(
          ctx,
          rig,
          {
            label: 'FTP -> File 360',
            name,
            sha,
            storedIn: 'File 360',
            sims: [f],
            legs: { source: down, sourceName: 'lftp get', sink: up.seconds, sinkName: 'curl upload' },
            start: () => rename(staged, join(inbox, name)),
            left: () => filesBelow(inbox),
            storedSha: async () => (await file360State(f)).documents.find((d) => d.path === `/Bench/${name}`)?.sha256,
          },
          i,
          runs,
        ),
      );
    }
    return rows('FTP -> File 360 (watch, file360 put, ack)', size, samples, {
      source: 'lftp get from vsftpd',
      sink: 'curl -F upload to the File 360 simulator',
    });
  } finally {
    await rig.deploy([]).catch(() => undefined);
    await stopSimProcess(f);
  }
}

/**
 * Runs: two fewer than --runs (one file of a GiB per run and flow, plus both legs alone), at least one:
 * the default 3 gives 1, which keeps the part within its share of the full run; --runs 5 gives 3.
 */
export const simulatorFlowsSection: BenchSection = {
  name: 'flow-sim',
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const size = Number(process.env.BENCH_FLOW_SIM_MB ?? (ctx.quick ? 32 : 1024)) * MiB;
    const runs = Math.max(1, ctx.runs - 2);
    const flows = (process.env.BENCH_FLOW_SIM ?? 'dropbox,file360').split(',');
    ctx.log('Starting Node-RED with the packed package...');
    const rig = await startFlowRig();
    try {
      return [
        ...(flows.includes('dropbox') ? await runDropboxToCs(ctx, rig, size, runs) : []),
        ...(flows.includes('file360') ? await runFtpToFile360(ctx, rig, size, runs) : []),
      ];
    } finally {
      await rig.stop();
    }
  },
};
