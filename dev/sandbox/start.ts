/**
 * `npm start`: the developer sandbox. Local SFTP/FTP/FTPS servers (as far as this machine and user
 * allow), the Content Server, Dropbox, File 360 and REST simulators with their web pages, a real Node-RED on 127.0.0.1 that loads
 * this repository as an installed module, and every example deployed against those servers, with
 * sample files arriving in the shared inbox.
 */
import { lstat, mkdir, readFile, rename, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { descendants, isAlive, procStat } from '../servers/proctree';
import { checkModuleLoaded, deployFlows, getNodeSets, usable } from './admin';
import { seedExampleContent, SEED_DOCUMENTS } from './example-content';
import { startSandboxDropbox, type DropboxInfo, type SandboxDropbox } from './dropbox';
import { createDropboxFolders, dropboxWatchedFolders, startDropboxArrivals } from './dropbox-samples';
import { startSandboxFile360, type File360Info, type SandboxFile360 } from './file360';
import { createFile360Folders, file360WatchedFolders, startFile360Arrivals } from './file360-samples';
import { startSandboxRest, type RestInfo, type SandboxRest } from './rest';
import { startRestFeeds } from './rest-samples';
import { startSandboxContentServer, type ContentServerInfo, type SandboxContentServer } from './content-server';
import { loadExamples, prepareExample, usedTypes, type FlowNode, type PreparedExample } from './flows';
import { startNodeRed, type RunningNodeRed, type Runtime } from './node-red-process';
import { parseOptions, UsageError, USAGE, type SandboxOptions } from './options';
import { startArrivals, watchedFolders, writeInitialSamples } from './samples';
import { serversTmpDir, startSandboxServers, type SandboxServers, type ServerInfo } from './servers';
import { pidAlive } from '../servers/owner';

/**
 * The context stores the examples ask for: `file` (Node-RED's localfilesystem store, in the sandbox's
 * Node-RED folder) keeps sftp-cs-07's high-water mark and ftp-cs-07's open batches across a restart;
 * the default stays in memory, as in a fresh Node-RED. Without `file`, Node-RED would log "Unknown
 * context store 'file' specified. Using default store." and keep them in memory.
 */
export const SANDBOX_CONTEXT_STORAGE = "contextStorage: { default: { module: 'memory' }, file: { module: 'localfilesystem' } },";

const REPO_ROOT = resolve(__dirname, '..', '..', '..');
const STATUS_FILE = 'sandbox.json';
const LOCK_FILE = 'sandbox.pid';
/** npm passes a terminal's Ctrl-C on to its script while the terminal also sends it: one press, two signals. */
const SAME_PRESS_MS = 1000;

/** What the sandbox tells tests and tools about itself, in `<data>/sandbox.json` while it runs. */
export interface SandboxStatus {
  pid: number;
  editor: string;
  dataDir: string;
  userDir: string;
  /** Local path of the folder all servers share, or null when no server runs. */
  home: string | null;
  caFile: string | null;
  servers: ServerInfo[];
  /** The Content Server simulator the examples' CS connections point at. */
  contentServer: ContentServerInfo;
  /** The Dropbox simulator the examples' Dropbox configurations point at. */
  dropbox: DropboxInfo;
  /** The File 360 simulator the examples' File 360 configurations point at. */
  file360: File360Info;
  /** The REST simulator the examples' REST connections point at. */
  rest: RestInfo;
  examples: { name: string; prefix: string; tabId: string; tabLabel: string; disabledBecause: string | null }[];
}

/** Ends the run with a message for the person at the console instead of a stack trace. */
class Stop extends Error {}

class StopRequest {
  requested = false;
  readonly promise: Promise<'signal'>;
  private resolveFn: (value: 'signal') => void = () => undefined;

  constructor() {
    this.promise = new Promise((resolve) => {
      this.resolveFn = resolve;
    });
  }

  request(): void {
    this.requested = true;
    this.resolveFn('signal');
  }

  /** Startup steps are not abandoned half-way (their processes would leak), but none starts after a Ctrl-C. */
  check(): void {
    if (this.requested) throw new Stop('');
  }
}

interface PackageJson {
  name: string;
  'node-red': { nodes: Record<string, string> };
}

function log(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolvePort(true)));
  });
}

/** Two sandboxes on one data folder would delete each other's servers and flows. */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lock = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      return async () => {
        const owner = (await readFile(lock, 'utf8').catch(() => '')).trim();
        if (owner === String(process.pid)) await unlink(lock).catch(() => undefined);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && pidAlive(owner)) {
      throw new Stop(
        `Another sandbox (pid ${owner}) is running with the data folder ${dataDir}. Stop it first, or start this one with --data <another folder>.`,
      );
    }
    await unlink(lock).catch(() => undefined);
  }
  throw new Stop(`Cannot lock ${lock}.`);
}

/**
 * Node-RED finds modules by scanning its user dir's node_modules, so a link there makes it load
 * this working tree exactly as an installed package (and rebuilding + restarting picks up changes).
 */
async function prepareUserDir(userDir: string, moduleName: string): Promise<string> {
  await mkdir(join(userDir, 'node_modules'), { recursive: true });
  // Flows are deployed fresh each start; old ones would briefly start against servers that are gone.
  for (const file of ['flows.json', 'flows_cred.json', '.flows.json.backup', '.flows_cred.json.backup']) {
    await rm(join(userDir, file), { force: true });
  }
  const link = join(userDir, 'node_modules', moduleName);
  // rm does not follow a symlink: this removes an old link, never the repository it pointed at.
  if (
    await lstat(link).then(
      () => true,
      () => false,
    )
  )
    await rm(link, { recursive: true, force: true });
  await symlink(REPO_ROOT, link, 'dir');
  const pkgFile = join(userDir, 'package.json');
  if (
    !(await lstat(pkgFile).then(
      () => true,
      () => false,
    ))
  ) {
    await writeFile(
      pkgFile,
      JSON.stringify({ name: 'filebridge-sandbox', description: 'Node-RED user dir of npm start', version: '0.0.0', private: true }, null, 2) + '\n',
    );
  }
  return link;
}

/** Our direct children right now, from /proc. */
function childPids(): Set<number> {
  return new Set(descendants(process.pid).filter((pid) => procStat(pid)?.ppid === process.pid));
}

/**
 * Node-RED's pid: the launcher does not expose its child, and a forced exit must kill it. It is the
 * one child that appeared while Node-RED started (the servers' supervisors were there before);
 * its command line is no help, since Node-RED renames its process title to "node-red".
 */
function findNodeRedPid(before: ReadonlySet<number>): number | undefined {
  const fresh = [...childPids()].filter((pid) => !before.has(pid));
  return fresh.length === 1 ? fresh[0] : undefined;
}

function writeStatus(file: string, status: SandboxStatus): Promise<void> {
  // Written under another name and renamed, so a reader polling for it never sees half a file.
  const tmp = `${file}.tmp`;
  return writeFile(tmp, JSON.stringify(status, null, 2) + '\n', { mode: 0o600 }).then(() => rename(tmp, file));
}

function printBanner(
  options: SandboxOptions,
  editor: string,
  servers: SandboxServers,
  cs: ContentServerInfo,
  dropbox: DropboxInfo,
  file360: File360Info,
  rest: RestInfo,
  examples: readonly PreparedExample[],
  userDir: string,
): void {
  const rule = '─'.repeat(78);
  const row = (label: string, value: string): void => log(`  ${label.padEnd(16)} ${value}`);
  log();
  log(rule);
  log('  FileBridge sandbox is running');
  log();
  row('Node-RED editor', editor);
  for (const s of servers.servers) {
    row(s.protocol === 'sftp' ? 'SFTP' : s.protocol === 'ftp' ? 'FTP / FTPS' : 'FTPS implicit', `${s.url}   (${s.note})`);
  }
  const first = servers.servers[0];
  if (first) {
    row(
      'login',
      first.password !== undefined
        ? `${first.username} / ${first.password}   (throwaway sandbox account)`
        : `${first.username} with key ${first.privateKeyFile ?? ''}`,
    );
  }
  if (servers.hostKey) row('SSH host key', servers.hostKey);
  if (servers.caFile) row('FTPS test CA', servers.caFile);
  if (servers.home) {
    const every =
      options.sampleIntervalMs > 0 ? `, every ${options.sampleIntervalMs / 1000} s new sample files land in inbox/ and the folders the examples watch` : '';
    row('server files', `${servers.home.root}   (inbox/, outbox/, archive/${every})`);
  } else {
    row('servers', 'none could start here (see above)');
  }
  row('Content Server', `${cs.ui}   (web page: folders, documents, versions, metadata)`);
  row('CS REST API', `${cs.apiBase}   (${cs.username} / ${cs.password}, simulator)`);
  row('CS content', `${cs.dataDir}   (fresh at every start)`);
  row('Dropbox', `${dropbox.url}/   (simulator: web page; API, OAuth and notify routes under the same URL)`);
  row('Dropbox sign-in', `app key ${dropbox.appKey}, refresh token ${dropbox.refreshToken}   (simulator; stored in the examples' Dropbox configurations)`);
  row('Dropbox content', `${dropbox.dataDir}   (fresh at every start)`);
  row('File 360', `${file360.url}/   (simulator: web page; API and token endpoint under the same URL)`);
  row(
    'File 360 client',
    `${file360.clientId} / ${file360.clientSecret}   (simulator; signs in as ${file360.user}; stored in the examples' File 360 configurations)`,
  );
  row('File 360 content', `${file360.dataDir}   (fresh at every start)`);
  row('REST API', `${rest.apiUrl}   (simulator: web page ${rest.url}/, inspection under ${rest.url}/_sim/)`);
  row(
    'REST logins',
    `${rest.user} / ${rest.password}, token ${rest.bearerToken}, API key ${rest.apiKey}, OAuth client ${rest.clientId} / ${rest.clientSecret} at ${rest.tokenUrl}   (simulator; stored in the examples' REST connections)`,
  );
  row('REST data', `${rest.dataDir}   (fresh at every start)`);
  row('data', `${options.dataDir}   (Node-RED user dir ${userDir})`);
  for (const e of examples) {
    row('example', `${e.tabLabel}${e.disabledBecause ? `   DISABLED: ${e.disabledBecause}` : ''}`);
  }
  log();
  log('  Ctrl-C stops everything.');
  log(rule);
  log();
}

interface Cleanup {
  what: string;
  run: () => Promise<void>;
}

/** Undoes what started, newest first; every step runs even when an earlier one fails. */
async function runCleanups(cleanups: Cleanup[]): Promise<boolean> {
  let ok = true;
  for (const cleanup of [...cleanups].reverse()) {
    try {
      await cleanup.run();
    } catch (err) {
      log(`! stopping ${cleanup.what} failed: ${err instanceof Error ? err.message : String(err)}`);
      ok = false;
    }
  }
  return ok;
}

async function run(options: SandboxOptions, stop: StopRequest, onNodeRedPid: (pid: number | undefined) => void): Promise<number> {
  const cleanups: Cleanup[] = [];
  const code = await sandbox(options, stop, onNodeRedPid, cleanups);
  log('Stopping the sandbox...');
  const ok = await runCleanups(cleanups);
  return ok ? code : 1;
}

/** Starts everything, registering each started piece in `cleanups`, and waits for the stop. */
async function sandbox(options: SandboxOptions, stop: StopRequest, onNodeRedPid: (pid: number | undefined) => void, cleanups: Cleanup[]): Promise<number> {
  const runtime: Runtime = { label: 'Node-RED', node: process.execPath, redJs: require.resolve('node-red/red.js') };
  const userDir = join(options.dataDir, 'node-red');
  let nodeRed: RunningNodeRed | undefined;
  try {
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as PackageJson;
    await mkdir(options.dataDir, { recursive: true });
    cleanups.push({ what: 'the data folder lock', run: await lockDataDir(options.dataDir) });
    if (!(await portFree(options.port))) {
      throw new Stop(`Port ${options.port} on 127.0.0.1 is in use (another Node-RED?). Pick another one: npm start -- --port ${options.port + 1}`);
    }
    if (
      !(await stat(options.examplesDir).then(
        (st) => st.isDirectory(),
        () => false,
      ))
    ) {
      throw new Stop(`There is no examples folder ${options.examplesDir}.`);
    }
    const statusFile = join(options.dataDir, STATUS_FILE);
    await rm(statusFile, { force: true });

    log('Starting the local servers...');
    const serversDir = await serversTmpDir(options.dataDir);
    if (serversDir.note) log(`! ${serversDir.note}`);
    const servers = await startSandboxServers(serversDir.dir);
    cleanups.push({ what: 'the local servers', run: () => servers.stop() });
    for (const w of servers.warnings) log(`! ${w}`);
    stop.check();
    if (servers.home) await writeInitialSamples(servers.home);

    log('Starting the Content Server simulator...');
    const cs: SandboxContentServer = await startSandboxContentServer(options.dataDir, options.csPort);
    cleanups.push({ what: 'the Content Server simulator', run: () => cs.stop() });
    if (cs.note) log(`! ${cs.note}`);
    // Before the exports first run, so each export example has documents to send.
    try {
      await seedExampleContent(cs.target);
      log(`Filed ${SEED_DOCUMENTS.length} documents for the export examples into the simulator.`);
    } catch (err) {
      log(`! could not file the export examples' documents: ${err instanceof Error ? err.message : String(err)}`);
    }
    stop.check();

    log('Starting the Dropbox simulator...');
    const dropbox: SandboxDropbox = await startSandboxDropbox(options.dataDir, options.dropboxPort);
    cleanups.push({ what: 'the Dropbox simulator', run: () => dropbox.stop() });
    if (dropbox.note) log(`! ${dropbox.note}`);
    stop.check();

    log('Starting the File 360 simulator...');
    const file360: SandboxFile360 = await startSandboxFile360(options.dataDir, options.file360Port);
    cleanups.push({ what: 'the File 360 simulator', run: () => file360.stop() });
    if (file360.note) log(`! ${file360.note}`);
    stop.check();

    log('Starting the REST simulator...');
    const rest: SandboxRest = await startSandboxRest(options.dataDir, options.restPort);
    cleanups.push({ what: 'the REST simulator', run: () => rest.stop() });
    if (rest.note) log(`! ${rest.note}`);
    stop.check();

    const link = await prepareUserDir(userDir, pkg.name);
    log(`Starting Node-RED on http://127.0.0.1:${options.port} ...`);
    const childrenBefore = childPids();
    try {
      nodeRed = await startNodeRed(runtime, userDir, { port: options.port, echo: !options.quiet, extraSettings: SANDBOX_CONTEXT_STORAGE });
    } catch (err) {
      // A terminal's Ctrl-C reaches Node-RED too, which then "exits early": that is no failure.
      throw new Stop(stop.requested ? '' : `Node-RED did not start: ${(err as Error).message}`);
    }
    const running = nodeRed;
    cleanups.push({ what: 'Node-RED', run: () => running.stop() });
    const nodeRedPid = findNodeRedPid(childrenBefore);
    onNodeRedPid(nodeRedPid);
    stop.check();

    const sets = await getNodeSets(running.url);
    checkModuleLoaded(sets, pkg.name, Object.keys(pkg['node-red'].nodes), link);

    const examples = (await loadExamples(options.examplesDir)).map((e, i) =>
      prepareExample(e, i, { ...servers, contentServer: cs.target, dropbox: dropbox.target, file360: file360.target, rest: rest.target }),
    );
    const known = new Set(sets.filter(usable).flatMap((s) => s.types));
    const unknown = usedTypes(examples).filter((t) => !known.has(t));
    if (unknown.length > 0) log(`! The examples use node types this Node-RED does not have: ${unknown.join(', ')}. Their tabs will wait for them.`);
    const flows: FlowNode[] = examples.flatMap((e) => e.nodes);
    // Watched folders exist before the watches start, so none begins with a "folder not found".
    const watched = watchedFolders(examples);
    if (servers.home) for (const w of watched) await servers.home.mkdirp(w.folder);
    const dropboxWatched = dropboxWatchedFolders(examples);
    await createDropboxFolders(dropbox.sim, dropboxWatched);
    const file360Watched = file360WatchedFolders(examples);
    await createFile360Folders(file360.sim, file360Watched);
    await deployFlows(running.url, flows);
    stop.check();

    if (servers.home && options.sampleIntervalMs > 0) {
      const arrivals = startArrivals(
        servers.home,
        options.sampleIntervalMs,
        (path) => log(`+ new sample file ${path}`),
        (err) => log(`! could not drop a sample file: ${err.message}`),
        watched,
      );
      cleanups.push({ what: 'the sample file timer', run: async () => arrivals.stop() });
    }
    if (options.sampleIntervalMs > 0) {
      const dropboxArrivals = startDropboxArrivals(
        dropbox.sim,
        options.sampleIntervalMs,
        dropboxWatched,
        (path) => log(`+ new sample file ${path}`),
        (err) => log(`! could not drop a sample file into Dropbox: ${err.message}`),
      );
      cleanups.push({ what: 'the Dropbox sample file timer', run: async () => dropboxArrivals.stop() });
      const file360Arrivals = startFile360Arrivals(
        file360.sim,
        options.sampleIntervalMs,
        file360Watched,
        (path) => log(`+ new sample document ${path}`),
        (err) => log(`! could not put a sample document into File 360: ${err.message}`),
      );
      cleanups.push({ what: 'the File 360 sample document timer', run: async () => file360Arrivals.stop() });
      const restFeeds = startRestFeeds(
        rest.sim,
        running.url,
        examples,
        options.sampleIntervalMs,
        (what) => log(`+ ${what}`),
        (err) => log(`! could not feed the xConnector examples: ${err.message}`),
      );
      cleanups.push({ what: 'the xConnector feeds', run: async () => restFeeds.stop() });
    }

    const status: SandboxStatus = {
      pid: process.pid,
      editor: running.url,
      dataDir: options.dataDir,
      userDir,
      home: servers.home?.root ?? null,
      caFile: servers.caFile ?? null,
      servers: servers.servers,
      contentServer: cs.info,
      dropbox: dropbox.info,
      file360: file360.info,
      rest: rest.info,
      examples: examples.map((e) => ({ name: e.name, prefix: e.prefix, tabId: e.tabId, tabLabel: e.tabLabel, disabledBecause: e.disabledBecause ?? null })),
    };
    await writeStatus(statusFile, status);
    cleanups.push({ what: 'the status file', run: () => rm(statusFile, { force: true }) });
    printBanner(options, running.url, servers, cs.info, dropbox.info, file360.info, rest.info, examples, userDir);

    // Node-RED dying on its own (out of memory, a crashing node) must not leave a sandbox that
    // looks alive while the editor is gone.
    let watch: NodeJS.Timeout | undefined;
    const died = new Promise<'died'>((resolveDied) => {
      if (nodeRedPid === undefined) return;
      watch = setInterval(() => {
        if (!stop.requested && !isAlive(nodeRedPid)) resolveDied('died');
      }, 1000);
    });
    const why = await Promise.race([stop.promise, died]);
    clearInterval(watch);
    if (why === 'died') {
      log(`Node-RED stopped unexpectedly. Its last output:\n${running.output().slice(-4000)}`);
      return 1;
    }
    return 0;
  } catch (err) {
    if (err instanceof Stop) {
      if (err.message) log(err.message);
      return stop.requested && !err.message ? 0 : 1;
    }
    log(`The sandbox failed: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.FILEBRIDGE_SANDBOX_DEBUG && err instanceof Error && err.stack) log(err.stack);
    if (options.quiet && nodeRed) log(`Node-RED's last output:\n${nodeRed.output().slice(-4000)}`);
    return 1;
  }
}

function main(): void {
  let options: SandboxOptions;
  try {
    options = parseOptions(process.argv.slice(2), process.env, REPO_ROOT);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }

  // A console that went away (closed terminal, broken pipe) must not abort the cleanup with EIO/EPIPE.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  const stop = new StopRequest();
  let nodeRedPid: number | undefined;
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!stop.requested) {
      firstSignalAt = Date.now();
      log(`\n${signal}: stopping Node-RED and the servers (press Ctrl-C again to force)...`);
      stop.request();
      return;
    }
    if (Date.now() - firstSignalAt < SAME_PRESS_MS) return;
    log('Forced exit.');
    // The servers' supervisors get SIGTERM from the dev servers' exit hook and kill the servers;
    // Node-RED is only our child, so it is killed here. The Content Server, Dropbox, File 360 and
    // REST simulators run in this process and end with it.
    if (nodeRedPid !== undefined) {
      try {
        process.kill(nodeRedPid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A closed terminal window: stop in order rather than die before the cleanup runs.
  process.on('SIGHUP', onSignal);

  run(options, stop, (pid) => {
    nodeRedPid = pid;
  }).then(
    (code) => {
      log(code === 0 ? 'Sandbox stopped.' : 'Sandbox stopped with errors.');
      process.exit(code);
    },
    (err: unknown) => {
      log(`The sandbox failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}

main();
