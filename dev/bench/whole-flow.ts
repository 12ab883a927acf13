/**
 * Part `flow` of `npm run bench` (issue 19, targets 2 and 5): one big file through the whole flow a
 * user deploys, filebridge-watch (SFTP or FTP) -> validate -> map metadata -> cs upload -> ack, in
 * Node-RED 4.1 with the packed package (node-red-rig.ts), the Content Server simulator in its own
 * process. Next to it, in the same run and alternating with it, each leg alone at its fastest: the
 * read (OpenSSH `sftp -c aes128-gcm@openssh.com -R 256`, or `lftp` for FTP) and the sink (curl posting
 * the same file to the same simulator route, multipart and streamed, as our cs upload does).
 *
 * A run hard-links a prepared file into the watched folder (no copy inside the clock), waits until the
 * flow's audit line arrives (written by a core file node after the ack) and checks that the document in
 * the simulator has the file's SHA-256 before a figure counts.
 *
 * For profiling: BENCH_FLOW_MB=256 BENCH_FLOW_PROTOCOLS=ftp node build/dev/bench/cli.js --only flow
 * (sizes in MiB, comma-separated). NODE_OPTIONS reaches Node-RED: `--require` a preload that starts
 * the inspector's profiler (Node 20 refuses --cpu-prof there).
 */
import { execFile, spawn } from 'node:child_process';
import { link, mkdir, readFile, rm, unlink, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import type { DevServers } from '../servers';
import { cpuMeter } from '../support/proc-stats';
import { measureFlow } from './flow-measure';
import { startFlowRig, type FlowNodeJson, type FlowRig } from './node-red-rig';
import { median, type BenchRow } from './report';
import type { BenchContext, BenchSection } from './section';
import { randomFile, startSimProcess, stopSimProcess, type SimProcess } from './sim-process';
import { serverConfigNode } from '../chaos/flow-parts';
import { benchCsUploadNode, benchWatchNode } from './flow-nodes';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** The watch's completeness rule as the sftp-cs examples set it, at the tests' 1 s poll. */
const POLL_SECONDS = 1;
const STABLE_SECONDS = 2;

type Protocol = 'sftp' | 'ftp';

interface CsSimInfo {
  url: string;
  apiBase: string;
  user: string;
  password: string;
}

interface AuditLine {
  outcome: string;
  bytes: number;
  sha256?: string;
  claimedAt: string;
  durationMs: number;
  source: { name: string };
  target?: { id?: number };
  error?: { message: string };
}

interface OneRun {
  seconds: number;
  claimToAck: number;
  wait: number;
  nodeRedCpu: number;
  simCpu: number;
  serverCpu: number;
  peakRss: number;
}

/** Runs a command with its stdout discarded (or kept when small and asked for); resolves with seconds. */
function runTimed(
  command: string,
  args: readonly string[],
  options: { input?: string; keepStdout?: boolean } = {},
): Promise<{ seconds: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['pipe', options.keepStdout ? 'pipe' : 'ignore', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve({ seconds: (performance.now() - started) / 1000, stdout });
      else reject(new Error(`${command} exited with ${code}: ${stderr.trim().slice(0, 1000)}`));
    });
    child.stdin?.end(options.input ?? '');
  });
}

function output(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}

/** The pid listening on a loopback TCP port (sshd, vsftpd): the servers do not expose theirs. */
async function listenerPid(port: number): Promise<number> {
  const text = await output('ss', ['-Hltnp', `sport = :${port}`]);
  const match = /pid=(\d+)/.exec(text);
  if (!match) throw new Error(`No process listens on port ${port}: ${text}`);
  return Number(match[1]);
}

async function simJson<T>(sim: CsSimInfo, path: string): Promise<T> {
  const res = await fetch(`${sim.url}${path}`);
  if (!res.ok) throw new Error(`Simulator ${path} answered ${res.status}`);
  return (await res.json()) as T;
}

async function ticketOf(sim: CsSimInfo): Promise<string> {
  const res = await fetch(`${sim.apiBase}/v1/auth`, { method: 'POST', body: new URLSearchParams({ username: sim.user, password: sim.password }) });
  const body = (await res.json()) as { ticket?: string };
  if (!res.ok || !body.ticket) throw new Error(`Simulator login answered ${res.status}`);
  return body.ticket;
}

async function createFolder(sim: CsSimInfo, name: string): Promise<number> {
  const res = await fetch(`${sim.apiBase}/v2/nodes`, {
    method: 'POST',
    headers: { OTCSTicket: await ticketOf(sim) },
    body: new URLSearchParams({ type: '0', parent_id: '2000', name }),
  });
  const body = (await res.json()) as { results?: { data?: { properties?: { id?: number } } } };
  const id = body.results?.data?.properties?.id;
  if (!res.ok || id === undefined) throw new Error(`Creating folder ${name} answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
  return id;
}

/**
 * Checks that document `id` holds the file, then deletes the stored copy: a 5 GiB run would otherwise
 * leave 5 GiB per run in the simulator's data folder.
 */
async function checkAndDropDocument(sim: CsSimInfo, dataDir: string, id: number, size: number, sha256: string, what: string): Promise<void> {
  const versions = await simJson<Array<{ file_size: number; sha256: string; path: string }>>(sim, `/__sim/versions/${id}`);
  const latest = versions[versions.length - 1];
  if (!latest || latest.file_size !== size || latest.sha256 !== sha256)
    throw new Error(
      `${what}: document ${id} holds ${latest?.file_size ?? 'nothing'} bytes, sha256 ${latest?.sha256 ?? '?'}; expected ${size} bytes, ${sha256}`,
    );
  if (latest.path.startsWith(dataDir)) await unlink(latest.path).catch(() => undefined);
}

function flowNodes(protocol: Protocol, servers: DevServers, sim: CsSimInfo, folderId: number, watched: string, auditFile: string): FlowNodeJson[] {
  const z = 'bench-tab';
  return [
    { id: z, type: 'tab', label: 'bench: whole flow' },
    { ...serverConfigNode('bench-server', servers, protocol), name: 'bench source' },
    {
      id: 'bench-cs',
      type: 'filebridge-cs-connection',
      name: 'simulator',
      baseUrl: sim.apiBase,
      authMode: 'password',
      otdsUrl: '',
      username: sim.user,
      clientId: '',
      timeout: 600,
      retries: 0,
      classificationRoot: '',
      categoryTemplates: '',
      // One multipart POST of the whole file, the request curl makes: the large-file API is another route.
      largeFileMb: '',
      credentials: { password: sim.password },
    },
    benchWatchNode({
      id: 'bench-watch',
      z,
      name: 'inbox',
      server: 'bench-server',
      folder: watched,
      intervalSeconds: POLL_SECONDS,
      maxDepth: '',
      include: '*.bin',
      includeDotFiles: false,
      minSize: '',
      maxSize: '',
      stability: 'stable',
      stableSeconds: STABLE_SECONDS,
      markerPattern: '{name}.done',
      inFlightTimeoutSeconds: 0,
      ledgerStore: '',
      wires: [['bench-validate']],
    }),
    {
      id: 'bench-validate',
      type: 'filebridge-validate',
      z,
      name: 'extension and size',
      nameOn: false,
      extOn: true,
      extensions: 'bin',
      sizeOn: true,
      minSize: '1',
      maxSize: '',
      nonEmptyOn: true,
      magicOn: false,
      checksumOn: false,
      csvOn: false,
      jsonOn: false,
      xmlOn: false,
      manifestOn: false,
      wires: [['bench-map'], ['bench-quarantine']],
    },
    {
      id: 'bench-map',
      type: 'filebridge-map-metadata',
      z,
      name: 'folder and name',
      namePattern: '',
      rules: [
        { field: 'folder', kind: 'constant', value: String(folderId), option: '', type: 'number', required: true, default: '' },
        { field: 'name', kind: 'template', value: '{name}', option: '', type: 'auto', required: true, default: '' },
      ],
      wires: [['bench-upload']],
    },
    benchCsUploadNode({ id: 'bench-upload', z, name: 'upload', connection: 'bench-cs', folder: '', createFolders: false, wires: [['bench-ack']] }),
    { id: 'bench-ack', type: 'filebridge-ack', z, name: 'ack', action: 'delete', archiveTemplate: '', wires: [['bench-audit']] },
    {
      id: 'bench-catch',
      type: 'catch',
      z,
      name: 'errors',
      scope: ['bench-validate', 'bench-map', 'bench-upload', 'bench-ack'],
      uncaught: false,
      wires: [['bench-quarantine']],
    },
    { id: 'bench-quarantine', type: 'filebridge-quarantine', z, name: 'quarantine', folder: '', wires: [['bench-audit']] },
    {
      id: 'bench-audit',
      type: 'change',
      z,
      name: 'audit as payload',
      rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'filebridge.audit', tot: 'msg' }],
      wires: [['bench-audit-file']],
    },
    {
      id: 'bench-audit-file',
      type: 'file',
      z,
      name: 'audit log',
      filename: auditFile,
      filenameType: 'str',
      appendNewline: true,
      createDir: true,
      overwriteFile: 'false',
      encoding: 'none',
      wires: [[]],
    },
  ];
}

async function auditLines(file: string): Promise<AuditLine[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as AuditLine);
}

interface Leg {
  protocol: Protocol;
  servers: DevServers;
  rig: FlowRig;
  sim: SimProcess<CsSimInfo>;
  simData: string;
  folderId: number;
  watched: string;
  auditFile: string;
  serverPid: number;
  work: string;
  idleRss: number;
}

/** One file through the deployed flow; throws unless the audit says acked and the document holds the file. */
async function flowRun(leg: Leg, source: string, size: number, sha256: string, name: string): Promise<OneRun> {
  const seen = (await auditLines(leg.auditFile)).length;
  const simCpu = cpuMeter(leg.sim.child.pid ?? 0);
  const serverCpu = cpuMeter(leg.serverPid, true);
  let audit: AuditLine | undefined;
  let linkedAt = 0;
  const target = join(leg.servers.localPath(leg.watched), name);
  const measured = await measureFlow(leg.rig, {
    async start() {
      linkedAt = Date.now();
      await link(source, target);
    },
    async finished() {
      const lines = await auditLines(leg.auditFile);
      audit = lines.slice(seen).find((l) => l.source.name === name);
      if (!audit) return false;
      if (audit.outcome !== 'acked') throw new Error(`${name} was ${audit.outcome}: ${audit.error?.message ?? ''}\n${leg.rig.output().slice(-3000)}`);
      return true;
    },
    pollMs: 20,
    timeoutMs: Math.max(120_000, (size / GiB) * 180_000),
  });
  const simSeconds = simCpu.stop().seconds;
  const serverSeconds = serverCpu.stop().seconds;
  if (!audit) throw new Error('unreachable: the flow finished without an audit line');
  if (audit.bytes !== size || audit.sha256 !== sha256)
    throw new Error(`The watch reported ${audit.bytes} bytes, sha256 ${audit.sha256 ?? '?'}; expected ${size}, ${sha256}`);
  const docId = audit.target?.id;
  if (typeof docId !== 'number') throw new Error(`The audit names no document: ${JSON.stringify(audit.target)}`);
  await checkAndDropDocument(leg.sim, leg.simData, docId, size, sha256, `The flow's upload of ${name}`);
  const claimToAck = audit.durationMs / 1000;
  return {
    seconds: measured.seconds,
    claimToAck,
    wait: (Date.parse(audit.claimedAt) - linkedAt) / 1000,
    nodeRedCpu: measured.cpuSeconds,
    simCpu: simSeconds,
    serverCpu: serverSeconds,
    peakRss: measured.peakRss,
  };
}

async function openSshRead(leg: Leg, remote: string): Promise<number> {
  const s = leg.servers;
  const keyFile = join(leg.work, 'id');
  const knownHosts = join(leg.work, 'known_hosts');
  await writeFile(keyFile, s.sftp.privateKey, { mode: 0o600 });
  await chmod(keyFile, 0o600);
  await writeFile(knownHosts, `${s.sftp.knownHostsLines.join('\n')}\n`);
  const args = ['-q', '-b', '-', '-c', 'aes128-gcm@openssh.com', '-R', '256', '-i', keyFile, '-P', String(s.sftp.port)];
  args.push('-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `${s.username}@${s.host}`);
  return (await runTimed('sftp', args, { input: `get ${remote} /dev/null\n` })).seconds;
}

async function lftpRead(leg: Leg, remote: string): Promise<number> {
  const s = leg.servers;
  const script = `set ftp:ssl-allow no; set xfer:clobber on; open -u ${s.username},${s.password} -p ${s.ftp.port} ftp://${s.ftp.host}; get ${remote} -o /dev/null; bye`;
  return (await runTimed('lftp', ['-c', script])).seconds;
}

async function curlUpload(leg: Leg, source: string, size: number, sha256: string, name: string): Promise<number> {
  const ticket = await ticketOf(leg.sim);
  const body = JSON.stringify({ type: 144, parent_id: leg.folderId, name });
  const { seconds, stdout } = await runTimed(
    'curl',
    [
      '-sS',
      '--fail',
      '-H',
      `OTCSTicket: ${ticket}`,
      '-F',
      `body=${body}`,
      '-F',
      `file=@${source};type=application/octet-stream`,
      `${leg.sim.apiBase}/v2/nodes`,
    ],
    { keepStdout: true },
  );
  const answer = JSON.parse(stdout) as { results?: { data?: { properties?: { id?: number } } } };
  const id = answer.results?.data?.properties?.id;
  if (typeof id !== 'number') throw new Error(`curl's upload answered without a node id: ${stdout.slice(0, 300)}`);
  await checkAndDropDocument(leg.sim, leg.simData, id, size, sha256, `curl's upload of ${name}`);
  return seconds;
}

/** Random data and its checksum from coreutils: making them here would charge the bench's garbage to nothing we measure, but slow it. */
async function makeSource(path: string, size: number): Promise<string> {
  await randomFile(path, size);
  return (await output('sha256sum', [path])).split(/\s+/)[0] ?? '';
}

function sizeLabel(size: number): string {
  return size >= GiB ? `${size / GiB} GiB` : `${size / MiB} MiB`;
}

async function measureSize(ctx: BenchContext, leg: Leg, size: number, runs: number): Promise<BenchRow[]> {
  const label = sizeLabel(size);
  const source = join(ctx.work, `flow-${size}.bin`);
  ctx.log(`  ${leg.protocol} ${label}: writing the file...`);
  const sha256 = await makeSource(source, size);
  // The references read a file of the same size from the same server folder as the flow.
  const refRemote = `bench-flow/ref-${size}.bin`;
  await leg.servers.mkdirp('bench-flow');
  await link(source, leg.servers.localPath(refRemote)).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  const ours: OneRun[] = [];
  const reads: number[] = [];
  const uploads: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const run = await flowRun(leg, source, size, sha256, `${leg.protocol}-${size}-${i + 1}-${Date.now()}.bin`);
      ours.push(run);
      reads.push(leg.protocol === 'sftp' ? await openSshRead(leg, refRemote) : await lftpRead(leg, refRemote));
      uploads.push(await curlUpload(leg, source, size, sha256, `curl-${leg.protocol}-${size}-${i + 1}-${Date.now()}.bin`));
      ctx.log(
        `  ${leg.protocol} ${label} run ${i + 1}/${runs}: flow ${run.seconds.toFixed(2)} s (wait ${run.wait.toFixed(2)} s, claim to ack ${run.claimToAck.toFixed(2)} s), ` +
          `read ${reads[i]?.toFixed(2)} s, curl ${uploads[i]?.toFixed(2)} s; Node-RED ${run.nodeRedCpu.toFixed(1)} CPU s, ${(run.peakRss / 1e6).toFixed(0)} MB`,
      );
    }
  } finally {
    await rm(source, { force: true });
    await rm(leg.servers.localPath(refRemote), { force: true });
  }
  const gib = size / GiB;
  const readName = leg.protocol === 'sftp' ? 'OpenSSH `sftp -c aes128-gcm@openssh.com -R 256` get' : '`lftp` get';
  const read = median(reads);
  const upload = median(uploads);
  const slower = Math.max(read, upload);
  const slowerName =
    read >= upload
      ? `${readName} (the slower leg; curl -> simulator ${upload.toFixed(2)} s)`
      : `curl -F file=@ -> simulator (the slower leg; ${readName} ${read.toFixed(2)} s)`;
  const section = 'flow';
  const from = leg.protocol.toUpperCase();
  const wait = median(ours.map((r) => r.wait));
  return [
    {
      section,
      what: `${from} ${label}: watch -> validate -> map -> cs upload -> ack, drop to ack`,
      ours: median(ours.map((r) => r.seconds)),
      unit: 's',
      better: 'lower',
      reference: { name: slowerName, value: slower },
      note: `includes ${wait.toFixed(1)} s from drop to claim: ${POLL_SECONDS} s poll, stable ${STABLE_SECONDS} s`,
    },
    {
      section,
      what: `${from} ${label}: claim to ack`,
      ours: median(ours.map((r) => r.claimToAck)),
      unit: 's',
      better: 'lower',
      reference: { name: slowerName, value: slower },
      target: { ratio: 0.8 },
    },
    {
      section,
      what: `${from} ${label}: Node-RED CPU per GiB`,
      ours: median(ours.map((r) => r.nodeRedCpu / gib)),
      unit: 'CPU s',
      better: 'lower',
      target: { atMost: 3.4 },
      note: `simulator ${median(ours.map((r) => r.simCpu / gib)).toFixed(1)}, ${leg.protocol === 'sftp' ? 'sshd' : 'vsftpd'} ${median(ours.map((r) => r.serverCpu / gib)).toFixed(1)} CPU s per GiB`,
    },
    {
      section,
      what: `${from} ${label}: Node-RED peak RSS`,
      ours: median(ours.map((r) => r.peakRss / 1e6)),
      unit: 'MB',
      better: 'lower',
      target: { atMost: 150 },
      note: `${(leg.idleRss / 1e6).toFixed(0)} MB idle with the flow deployed`,
    },
  ];
}

interface Shared {
  servers: DevServers;
  rig: FlowRig;
  sim: SimProcess<CsSimInfo>;
  simData: string;
}

async function measureProtocol(
  ctx: BenchContext,
  shared: Shared,
  protocol: Protocol,
  sizes: ReadonlyArray<{ size: number; runs: number }>,
): Promise<BenchRow[]> {
  const { servers, rig, sim, simData } = shared;
  const work = join(ctx.work, `flow-${protocol}`);
  await mkdir(work, { recursive: true });
  const watched = `bench-flow/${protocol}-inbox`;
  await servers.mkdirp(watched);
  const folderId = await createFolder(sim, `bench-${protocol}`);
  const auditFile = join(work, 'audit.jsonl');
  const serverPid = await listenerPid(protocol === 'sftp' ? servers.sftp.port : servers.ftp.port);
  await rig.deploy(flowNodes(protocol, servers, sim, folderId, watched, auditFile));
  // Node-RED with the flow deployed and idle: the floor under the peak RSS row.
  await new Promise((resolve) => setTimeout(resolve, ctx.quick ? 500 : 3000));
  const idleRss = rig.rss();
  const leg: Leg = { protocol, servers, rig, sim, simData, folderId, watched, auditFile, serverPid, work, idleRss };
  const rows: BenchRow[] = [];
  for (const { size, runs } of sizes) rows.push(...(await measureSize(ctx, leg, size, runs)));
  return rows;
}

export const wholeFlowSection: BenchSection = {
  name: 'flow',
  async run(ctx) {
    // 5 GiB runs once in the full run: three would take the part past its 7-minute budget.
    const only = process.env.BENCH_FLOW_MB;
    const protocols = (['sftp', 'ftp'] as const).filter((p) => (process.env.BENCH_FLOW_PROTOCOLS ?? 'sftp,ftp').split(',').includes(p));
    const sizes = only
      ? only.split(',').map((mb) => ({ size: Math.round(Number(mb) * MiB), runs: ctx.runs }))
      : ctx.quick
        ? [{ size: 32 * MiB, runs: 1 }]
        : [
            { size: GiB, runs: ctx.runs },
            { size: 5 * GiB, runs: 1 },
          ];
    const servers = await ctx.servers();
    const simData = join(ctx.work, 'flow-cs-data');
    await mkdir(simData, { recursive: true });
    const sim = await startSimProcess<CsSimInfo>('content-server', 'the Content Server simulator', simData);
    let rig: FlowRig | undefined;
    try {
      rig = await startFlowRig();
      const rows: BenchRow[] = [];
      // One Node-RED for both: a deploy replaces the flow, and a second install would cost 20 s.
      for (const protocol of protocols) rows.push(...(await measureProtocol(ctx, { servers, rig, sim, simData }, protocol, sizes)));
      return rows;
    } finally {
      await rig?.stop();
      await stopSimProcess(sim);
      await rm(simData, { recursive: true, force: true });
    }
  },
};
