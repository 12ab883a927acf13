/**
 * `npm run bench -- --only small`: many small files (issue 19, target 3). 2,000 x 20 KiB files in an
 * SFTP inbox (60 with --quick), the packed package in Node-RED in its own process:
 *   (a) watch -> read -> ack, default watch settings, next to `rclone copy` of the same files from
 *       the same sshd at rclone's default settings;
 *   (b) the same with the watch tuned, next to rclone at its fastest setting found here;
 *   (c) watch -> cs upload -> ack into the Content Server simulator, next to the same files uploaded
 *       straight to the simulator by a small client with the same concurrency;
 *   (d) the simulator's own upload rate with 2,000 documents in it next to that with 100 (its cost
 *       per write must not grow with the repository).
 * Our drain rate runs from the first claim to the last ack: the stability wait before the first
 * claim (one poll interval with the default "stable for 2 s") is printed beside it. Each run checks
 * that every file was acknowledged (archived, nothing left in the inbox or the claim folder) and,
 * for (c), that every document is in the simulator once with the file's SHA-256.
 *
 * For profiling one scenario: BENCH_SMALL_SCENARIOS=c BENCH_SMALL_COUNT=500 node build/dev/bench/cli.js
 * --only small (scenarios a,b,c,d comma-separated; rows of the ones left out are not printed). (c)
 * still uploads the files straight to the simulator for its reference. NODE_OPTIONS reaches Node-RED:
 * `--require` a preload that starts the inspector's profiler (Node 20 refuses --cpu-prof there).
 */
import { createHash } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DevServers } from '../servers';
import { startFlowRig, type FlowNodeJson, type FlowRig } from './node-red-rig';
import { median, type BenchRow } from './report';
import type { BenchContext, BenchSection } from './section';
import { startSimProcess, stopSimProcess, timed } from './sim-process';
import { serverConfigNode } from '../chaos/flow-parts';
import { benchCsUploadNode } from './flow-nodes';

const FILE_BYTES = 20 * 1024;
/** The watch's in-flight default: the reference upload client runs as many uploads at once. */
const DEFAULT_IN_FLIGHT = 10;
const TUNED = { intervalSeconds: 1, maxPerPoll: 2000, maxInFlight: 32, poolSize: 8 };
const RCLONE_DEFAULT = '--transfers 4 --checkers 8 (defaults)';
const RCLONE_FAST = ['--transfers', '32', '--checkers', '32', '--sftp-disable-hashcheck'];

interface CsInfo {
  url: string;
  apiBase: string;
  user: string;
  password: string;
}

interface Source {
  dir: string;
  names: string[];
  sha256: Map<string, string>;
}

/** Our drain of one inbox: files/s from the first claim to the last ack, and the wait before the first claim. */
interface Drain {
  rate: number;
  waitSeconds: number;
  cpuSeconds: number;
  peakRss: number;
}

async function makeSource(dir: string, count: number): Promise<Source> {
  await mkdir(dir, { recursive: true });
  const names: string[] = [];
  const sha256 = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const name = `doc-${String(i).padStart(5, '0')}.bin`;
    const data = randomBytes(FILE_BYTES);
    await writeFile(join(dir, name), data);
    names.push(name);
    sha256.set(name, createHash('sha256').update(data).digest('hex'));
  }
  return { dir, names, sha256 };
}

/** Puts the source files into an inbox of the dev servers' home (owned by the test user). */
async function fillInbox(servers: DevServers, rel: string, source: Source): Promise<void> {
  await servers.mkdirp(rel);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < source.names.length) {
      const name = source.names[next++]!;
      await servers.writeFile(`${rel}/${name}`, await readFile(join(source.dir, name)));
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

async function filesIn(dir: string): Promise<number> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).length;
  } catch {
    return 0;
  }
}

async function filesBelow(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true, recursive: true });
    return entries.filter((e) => e.isFile()).map((e) => e.name);
  } catch {
    return [];
  }
}

function flows(servers: DevServers, inbox: string, watch: Partial<typeof TUNED>, upload?: { cs: CsInfo; folder: string }): FlowNodeJson[] {
  const nodes: FlowNodeJson[] = [
    { id: 'tab', type: 'tab', label: 'small files' },
    { ...serverConfigNode('srv', servers, 'sftp'), poolSize: watch.poolSize ?? 2 },
    {
      id: 'watch',
      type: 'filebridge-watch',
      z: 'tab',
      server: 'srv',
      folder: inbox,
      // The editor's defaults, apart from what `watch` tunes.
      intervalSeconds: watch.intervalSeconds ?? 10,
      stability: 'stable',
      stableSeconds: 2,
      maxPerPoll: watch.maxPerPoll ?? 100,
      maxInFlight: watch.maxInFlight ?? DEFAULT_IN_FLIGHT,
      output: 'stream',
      sha256: true,
      ledger: true,
      wires: [[upload ? 'upload' : 'read']],
    },
    { id: 'ack', type: 'filebridge-ack', z: 'tab', action: 'archive', archiveTemplate: '', wires: [] },
    { id: 'catch', type: 'catch', z: 'tab', wires: [['log']] },
    { id: 'log', type: 'debug', z: 'tab', active: true, console: true, complete: 'error', wires: [] },
  ];
  if (upload) {
    nodes.push(
      {
        id: 'conn',
        type: 'filebridge-cs-connection',
        baseUrl: upload.cs.apiBase,
        authMode: 'password',
        username: upload.cs.user,
        timeout: 60,
        retries: 2,
        credentials: { password: upload.cs.password },
      },
      benchCsUploadNode({ id: 'upload', z: 'tab', connection: 'conn', folder: upload.folder, createFolders: true, wires: [['ack']] }),
    );
  } else {
    // Reads every file to its end (as rclone does) before the ack.
    nodes.push({
      id: 'read',
      type: 'function',
      z: 'tab',
      func: "const s = msg.payload;\ns.on('error', (e) => node.error(e, msg));\ns.on('end', () => node.send(msg));\ns.resume();\nreturn null;",
      outputs: 1,
      wires: [['ack']],
    });
  }
  return nodes;
}

/** Deploys a watch of `inbox` and times it until every file is acknowledged; checks the archive. */
async function drainInbox(rig: FlowRig, servers: DevServers, inbox: string, source: Source, nodes: FlowNodeJson[], timeoutMs: number): Promise<Drain> {
  const local = servers.localPath(inbox);
  const claims = join(local, '.filebridge', 'processing');
  const total = source.names.length;
  const rss = rig.watchRss(25);
  const cpu = rig.cpu();
  const started = performance.now();
  let firstClaim: number | undefined;
  await rig.deploy(nodes);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await filesIn(local);
    if (firstClaim === undefined && left < total) firstClaim = performance.now();
    if (left === 0 && (await filesBelow(claims)).length === 0) break;
    if (Date.now() > deadline)
      throw new Error(`${inbox}: ${left} of ${total} files still waiting after ${timeoutMs / 1000} s. Node-RED printed:\n${rig.output().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const ended = performance.now();
  const cpuSeconds = cpu.stop().seconds;
  const peakRss = rss.stop().peak;
  await rig.deploy([]);
  const archived = await filesBelow(join(local, '.filebridge', 'archive'));
  const missing = source.names.filter((n) => !archived.includes(n));
  if (archived.length !== total || missing.length)
    throw new Error(`${inbox}: ${archived.length} of ${total} files archived, missing ${missing.slice(0, 5).join(', ')}`);
  const first = firstClaim ?? started;
  return { rate: total / ((ended - first) / 1000), waitSeconds: (first - started) / 1000, cpuSeconds, peakRss };
}

async function rclone(servers: DevServers, keyFile: string, inbox: string, out: string, source: Source, extra: string[]): Promise<number> {
  const s = servers.sftp;
  await rm(out, { recursive: true, force: true });
  const { ms } = await timed('rclone', [
    'copy',
    `:sftp:${inbox}`,
    out,
    '--sftp-host',
    s.host,
    '--sftp-port',
    String(s.port),
    '--sftp-user',
    servers.username,
    '--sftp-key-file',
    keyFile,
    ...extra,
  ]);
  const got = await readdir(out);
  if (got.length !== source.names.length) throw new Error(`rclone copied ${got.length} of ${source.names.length} files`);
  const sample = source.names[source.names.length - 1]!;
  const hash = createHash('sha256')
    .update(await readFile(join(out, sample)))
    .digest('hex');
  if (hash !== source.sha256.get(sample)) throw new Error(`rclone's copy of ${sample} differs`);
  await rm(out, { recursive: true, force: true });
  return source.names.length / (ms / 1000);
}

async function call(cs: CsInfo, ticket: string, method: string, path: string, body: FormData | URLSearchParams): Promise<Record<string, unknown>> {
  const res = await fetch(`${cs.apiBase}${path}`, { method, headers: ticket ? { OTCSTicket: ticket } : {}, body });
  const text = await res.text();
  if (!res.ok) throw new Error(`Simulator ${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

async function login(cs: CsInfo): Promise<string> {
  const out = await call(cs, '', 'POST', '/v1/auth', new URLSearchParams({ username: cs.user, password: cs.password }));
  return String(out.ticket);
}

function idOf(created: Record<string, unknown>): number {
  const results = created.results as { data?: { properties?: { id?: number } } } | undefined;
  const id = results?.data?.properties?.id;
  if (typeof id !== 'number') throw new Error(`No node id in ${JSON.stringify(created).slice(0, 200)}`);
  return id;
}

async function makeFolder(cs: CsInfo, ticket: string, parent: number, name: string): Promise<number> {
  return idOf(await call(cs, ticket, 'POST', '/v2/nodes', new URLSearchParams({ type: '0', parent_id: String(parent), name })));
}

/** Uploads `names` into folder `parent`, `concurrency` at once, as a client of the simulator would; files/s. */
async function uploadStraight(cs: CsInfo, ticket: string, parent: number, source: Source, names: string[], concurrency: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const name = names[next++]!;
      const form = new FormData();
      form.append('body', JSON.stringify({ type: 144, parent_id: parent, name }));
      form.append('file', new Blob([await readFile(join(source.dir, name.replace(/^\d+-/, '')))]), name);
      await call(cs, ticket, 'POST', '/v2/nodes', form);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return names.length / ((performance.now() - started) / 1000);
}

interface TreeNode {
  id: number;
  name: string;
  sha256?: string;
  children?: TreeNode[];
}

async function tree(cs: CsInfo, root: number): Promise<TreeNode> {
  const res = await fetch(`${cs.url}/__sim/tree?root=${root}`);
  return (await res.json()) as TreeNode;
}

/** Every source file is a document of `folder` (a path below Enterprise) once, with its SHA-256. */
async function checkDocuments(cs: CsInfo, path: string[], source: Source): Promise<void> {
  let node = await tree(cs, 2000);
  for (const name of path) {
    const child = node.children?.find((c) => c.name === name);
    if (!child) throw new Error(`No folder ${path.join('/')} in the simulator`);
    node = child;
  }
  const docs = node.children ?? [];
  const names = new Set(docs.map((d) => d.name));
  if (docs.length !== source.names.length || names.size !== docs.length)
    throw new Error(`${docs.length} documents in ${path.join('/')}, expected ${source.names.length} once each`);
  for (const d of docs) {
    if (d.sha256 !== source.sha256.get(d.name)) throw new Error(`Document ${d.name} differs from its file`);
  }
}

async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const servers = await ctx.servers();
  const scenarios = new Set((process.env.BENCH_SMALL_SCENARIOS ?? 'a,b,c,d').split(',').map((x) => x.trim()));
  const count = process.env.BENCH_SMALL_COUNT ? Number(process.env.BENCH_SMALL_COUNT) : ctx.quick ? 60 : 2000;
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`BENCH_SMALL_COUNT must be a positive whole number, got '${process.env.BENCH_SMALL_COUNT}'`);
  const timeoutMs = ctx.quick ? 60_000 : 180_000;
  // Each run waits out a 10 s stability window twice: two runs keep the part within its 4 minutes.
  const runs = Math.min(ctx.runs, 2);
  // Quick proves the path, not the speed: a 2 s poll instead of the editor's 10 s saves the waits.
  const defaults = ctx.quick ? { intervalSeconds: 2 } : {};
  const work = join(ctx.work, 'small');
  const source = await makeSource(join(work, 'source'), count);
  const keyFile = join(work, 'rclone-key');
  await writeFile(keyFile, servers.sftp.privateKey);
  await chmod(keyFile, 0o600);
  const cs = await startSimProcess<CsInfo>('content-server', 'the Content Server simulator', join(work, 'cs'));
  const journalCs = await startSimProcess<CsInfo>('content-server', 'the Content Server simulator', join(work, 'cs-journal'));
  ctx.log(`small: ${count} x ${FILE_BYTES / 1024} KiB files; starting Node-RED with the packed package`);
  const rig = await startFlowRig();
  const r = { ours: [] as Drain[], tuned: [] as Drain[], flow: [] as Drain[], rcDefault: [] as number[], rcFast: [] as number[], simAlone: [] as number[] };
  try {
    const ticket = await login(cs);
    const bench = await makeFolder(cs, ticket, 2000, 'bench-small');
    for (let i = 1; i <= runs; i++) {
      const inbox = (what: string): string => `small/${what}-${i}`;
      if (scenarios.has('a')) {
        await fillInbox(servers, inbox('a'), source);
        r.rcDefault.push(await rclone(servers, keyFile, inbox('a'), join(work, 'rclone-out'), source, []));
        r.ours.push(await drainInbox(rig, servers, inbox('a'), source, flows(servers, inbox('a'), defaults), timeoutMs));
      }
      if (scenarios.has('b')) {
        await fillInbox(servers, inbox('b'), source);
        r.rcFast.push(await rclone(servers, keyFile, inbox('b'), join(work, 'rclone-out'), source, RCLONE_FAST));
        r.tuned.push(await drainInbox(rig, servers, inbox('b'), source, flows(servers, inbox('b'), TUNED), timeoutMs));
      }
      if (scenarios.has('c')) {
        const straight = await makeFolder(cs, ticket, bench, `straight-${i}`);
        r.simAlone.push(await uploadStraight(cs, ticket, straight, source, source.names, DEFAULT_IN_FLIGHT));
        await fillInbox(servers, inbox('c'), source);
        const folder = `flow-${i}`;
        r.flow.push(
          await drainInbox(
            rig,
            servers,
            inbox('c'),
            source,
            flows(servers, inbox('c'), defaults, { cs, folder: `Enterprise:bench-small/${folder}` }),
            timeoutMs,
          ),
        );
        await checkDocuments(cs, ['bench-small', folder], source);
        await checkDocuments(cs, ['bench-small', `straight-${i}`], source);
      }
      const fig = (xs: Array<number | Drain>): string => {
        const x = xs.at(-1);
        return x === undefined ? '-' : (typeof x === 'number' ? x : x.rate).toFixed(0);
      };
      ctx.log(
        `small run ${i}: rclone ${fig(r.rcDefault)} / fast ${fig(r.rcFast)} files/s; ours ${fig(r.ours)} / tuned ${fig(r.tuned)} files/s; ` +
          `flow ${fig(r.flow)} files/s (Node-RED ${r.flow.at(-1)?.cpuSeconds.toFixed(2) ?? '-'} CPU s), simulator alone ${fig(r.simAlone)} uploads/s`,
      );
    }
  } finally {
    await rig.stop();
    await stopSimProcess(cs);
  }
  // (d) one simulator filled to 100 and then 2,000 documents, its upload rate measured at each.
  let at100 = NaN;
  let at2000 = NaN;
  try {
    if (scenarios.has('d')) {
      const ticket = await login(journalCs);
      const folder = await makeFolder(journalCs, ticket, 2000, 'journal');
      const batch = (from: number, n: number): string[] =>
        Array.from({ length: n }, (_, k) => `${from + k}-${source.names[(from + k) % source.names.length]!}`);
      const probe = ctx.quick ? 30 : 300;
      const big = ctx.quick ? 150 : 2000;
      // A warm-up in another folder, so that the first probe does not pay for the simulator's JIT.
      await uploadStraight(journalCs, ticket, await makeFolder(journalCs, ticket, 2000, 'warm-up'), source, batch(0, 50), DEFAULT_IN_FLIGHT);
      await uploadStraight(journalCs, ticket, folder, source, batch(0, 50), DEFAULT_IN_FLIGHT);
      at100 = await uploadStraight(journalCs, ticket, folder, source, batch(100, probe), DEFAULT_IN_FLIGHT);
      await uploadStraight(journalCs, ticket, folder, source, batch(100 + probe, big - 100 - probe), DEFAULT_IN_FLIGHT);
      at2000 = await uploadStraight(journalCs, ticket, folder, source, batch(big, probe), DEFAULT_IN_FLIGHT);
      const docs = (await tree(journalCs, folder)).children?.length ?? 0;
      if (docs !== big + probe - 50) throw new Error(`The simulator holds ${docs} documents, expected ${big + probe - 50}`);
      ctx.log(`small: simulator uploads/s at 100 documents ${at100.toFixed(0)}, at ${big} ${at2000.toFixed(0)}`);
    }
  } finally {
    await stopSimProcess(journalCs);
    await rm(work, { recursive: true, force: true });
  }

  const rate = (d: Drain[]): number => median(d.map((x) => x.rate));
  const note = (d: Drain[], settings: string): string =>
    `${settings}; median of ${d.length} run(s); clock from first claim to last ack, stability wait before it ${median(d.map((x) => x.waitSeconds)).toFixed(1)} s; ` +
    `Node-RED ${median(d.map((x) => x.cpuSeconds)).toFixed(1)} CPU s, peak RSS ${(median(d.map((x) => x.peakRss)) / 1e6).toFixed(0)} MB`;
  const files = `${count} x 20 KiB files`;
  const rows: Array<BenchRow & { scenario: string }> = [
    {
      scenario: 'a',
      section: 'small',
      what: `${files}, SFTP watch -> read -> ack, default watch settings`,
      ours: rate(r.ours),
      unit: 'files/s',
      better: 'higher',
      reference: { name: `rclone copy from the same sshd, ${RCLONE_DEFAULT}`, value: median(r.rcDefault) },
      target: { ratio: 1.0 },
      note: note(r.ours, `${ctx.quick ? 2 : 10} s poll, 100 per poll, 10 in flight, 2 connections, stable 2 s`),
    },
    {
      scenario: 'b',
      section: 'small',
      what: `${files}, same, watch tuned`,
      ours: rate(r.tuned),
      unit: 'files/s',
      better: 'higher',
      reference: { name: `rclone copy, ${RCLONE_FAST.join(' ')} (its fastest here)`, value: median(r.rcFast) },
      note: note(r.tuned, `1 s poll, ${TUNED.maxPerPoll} per poll, ${TUNED.maxInFlight} in flight, ${TUNED.poolSize} connections`),
    },
    {
      scenario: 'c',
      section: 'small',
      what: `${files}, SFTP watch -> cs upload -> ack, default watch settings`,
      ours: rate(r.flow),
      unit: 'files/s',
      better: 'higher',
      reference: { name: `simulator alone: the same files uploaded straight, ${DEFAULT_IN_FLIGHT} at once`, value: median(r.simAlone) },
      target: { ratio: 0.8 },
      note: note(r.flow, `${ctx.quick ? 2 : 10} s poll, 10 in flight`),
    },
    {
      scenario: 'd',
      section: 'small',
      what: `Content Server simulator uploads/s with ${ctx.quick ? 150 : 2000} documents in it`,
      ours: at2000,
      unit: 'uploads/s',
      better: 'higher',
      reference: { name: 'the same simulator with 100 documents', value: at100 },
      target: { ratio: 0.8 },
      note: `${DEFAULT_IN_FLIGHT} at once; one run`,
    },
  ];
  return rows.filter((row) => scenarios.has(row.scenario)).map(({ scenario: _scenario, ...row }) => row);
}

export const smallFilesSection: BenchSection = { name: 'small', run };
