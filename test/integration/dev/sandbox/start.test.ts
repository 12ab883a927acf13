import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ContentServerClient } from '../../../../src/core/content-server';
import { descendants, isAlive } from '../../../../dev/servers/proctree';
import { loadExamples, type FlowNode } from '../../../../dev/sandbox/flows';
import { freePort } from '../../../../dev/sandbox/node-red-process';
import type { SandboxStatus } from '../../../../dev/sandbox/start';
import { REPO_ROOT } from '../../../support/runtimes';
import { exampleFiles } from '../../../support/example-files';
import { missingContextStore } from '../../../../src/core/context-stores';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, context: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.${context()}`);
    await sleep(250);
  }
}

function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** Processes whose command line mentions `text` (the sandbox's data folder is in every server's). */
async function processesMentioning(text: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(text)) found.push(`${entry}: ${cmdline.split('\0').join(' ')}`);
  }
  return found;
}

/** Files below `dir`, relative, with `/`. */
async function filesBelow(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (e.isDirectory()) out.push(...(await filesBelow(join(dir, e.name), `${prefix}${e.name}/`)));
    else out.push(`${prefix}${e.name}`);
  }
  return out;
}

/** A small CS example as an integrator would export it: placeholder host, OTDS login, no secrets. */
const csCheckFlow: FlowNode[] = [
  { id: 'cstab', type: 'tab', label: 'CS: file a document', info: 'Files a text into Enterprise:Inbound.' },
  {
    id: 'csconn',
    type: 'filebridge-cs-connection',
    name: 'Content Server',
    baseUrl: 'https://cs.example.com/otcs/cs.exe/api',
    authMode: 'otds',
    otdsUrl: 'https://otds.example.com',
    clientId: 'filebridge',
    timeout: 60,
    retries: 4,
  },
  {
    id: 'csinject',
    type: 'inject',
    z: 'cstab',
    name: 'File a document',
    x: 140,
    y: 80,
    wires: [['csupload']],
    props: [{ p: 'payload' }, { p: 'filename', v: 'sandbox-inject.txt', vt: 'str' }],
    payload: 'filed by the sandbox',
    payloadType: 'str',
    repeat: '',
    once: false,
  },
  {
    id: 'csupload',
    type: 'filebridge-cs-upload',
    z: 'cstab',
    connection: 'csconn',
    folder: 'Enterprise:Inbound',
    createFolders: true,
    collision: 'add-version',
    x: 360,
    y: 80,
    wires: [[]],
  },
];

/*
 * `npm start` as a person runs it, in a child process (startDevServers runs once per process, and
 * the global fixture already holds this one's): its own data folder and port, real servers, real
 * Node-RED, every example deployed; then Ctrl-C must leave nothing behind.
 */
describe('sandbox (npm start) end to end', function () {
  this.timeout(300_000);
  let dataDir: string;
  let child: ChildProcess | undefined;
  let output = '';
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let status: SandboxStatus;
  let examplesDir: string;
  const tail = (): string => `\nSandbox output:\n${output.slice(-6000)}`;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'filebridge-sandbox-test-'));
    // The package's examples plus one that files into Content Server, so the CS wiring is proven
    // end to end even before the package has CS examples of its own.
    examplesDir = join(dataDir, 'examples');
    await cp(join(REPO_ROOT, 'examples'), examplesDir, { recursive: true });
    await mkdir(join(examplesDir, 'zz-sandbox-test'), { recursive: true });
    await writeFile(join(examplesDir, 'zz-sandbox-test', 'CS upload.json'), JSON.stringify(csCheckFlow, null, 2));
    const port = await freePort();
    const env = { ...process.env };
    delete env.PORT;
    delete env.FILEBRIDGE_SANDBOX_DATA;
    const proc = spawn(
      process.execPath,
      [
        join(REPO_ROOT, 'build', 'dev', 'sandbox', 'start.js'),
        '--port',
        String(port),
        '--data',
        dataDir,
        '--quiet',
        '--sample-interval',
        '1',
        '--examples',
        examplesDir,
      ],
      {
        cwd: REPO_ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child = proc;
    exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
    const collect = (d: Buffer): void => {
      output += d.toString();
    };
    proc.stdout.on('data', collect);
    proc.stderr.on('data', collect);
    status = await until(
      'the sandbox status file',
      180_000,
      async () => {
        if (proc.exitCode !== null || proc.signalCode !== null)
          throw new Error(`The sandbox exited early (${String(proc.exitCode ?? proc.signalCode)}).${tail()}`);
        const text = await readFile(join(dataDir, 'sandbox.json'), 'utf8').catch(() => undefined);
        return text === undefined ? undefined : (JSON.parse(text) as SandboxStatus);
      },
      tail,
    );
  });

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function flows(): Promise<FlowNode[]> {
    const res = await fetch(`${status.editor}/flows`, { headers: { 'Node-RED-API-Version': 'v1' } });
    assert.equal(res.status, 200);
    return (await res.json()) as FlowNode[];
  }

  it('prints the banner and runs every server', () => {
    assert.match(output, /FileBridge sandbox is running/);
    assert.match(output, new RegExp(status.editor.replace(/[.]/g, '\\.')));
    assert.deepEqual(
      status.servers.map((s) => s.protocol),
      ['sftp', 'ftp', 'ftps-implicit'],
      'run as root, every server starts',
    );
    assert.ok(status.home, 'no server home');
    assert.ok(output.includes(status.contentServer.ui), "the banner shows the simulator's web page");
    assert.ok(output.includes(status.contentServer.apiBase), "the banner shows the simulator's API base");
    assert.ok(output.includes(`${status.dropbox.url}/`), "the banner shows the Dropbox simulator's URL");
    assert.ok(output.includes(`app key ${status.dropbox.appKey}`), "the banner shows the Dropbox simulator's app key");
    assert.ok(output.includes(`${status.file360.url}/`), "the banner shows the File 360 simulator's URL");
    assert.ok(output.includes(status.rest.apiUrl), "the banner shows the REST simulator's API URL");
  });

  it('runs the Dropbox simulator: its web page answers and the printed app key and refresh token sign in', async () => {
    const dbx = status.dropbox;
    assert.match(dbx.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(dbx.dataDir, join(dataDir, 'dropbox'), 'the content lives in the sandbox data folder');
    const page = await fetch(`${dbx.url}/`);
    assert.equal(page.status, 200);
    await page.arrayBuffer();
    const token = await fetch(`${dbx.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: dbx.refreshToken, client_id: dbx.appKey }).toString(),
    });
    assert.equal(token.status, 200, await token.clone().text());
    const { access_token } = (await token.json()) as { access_token: string };
    const account = await fetch(`${dbx.url}/2/users/get_current_account`, { method: 'POST', headers: { Authorization: `Bearer ${access_token}` } });
    assert.equal(account.status, 200);
    assert.equal(((await account.json()) as { name: { display_name: string } }).name.display_name, 'Sim User');
  });

  it('runs the Content Server simulator: its web page answers and the sandbox login works', async () => {
    const cs = status.contentServer;
    assert.match(cs.ui, /^http:\/\/127\.0\.0\.1:\d+\/__sim\/ui$/);
    assert.equal(cs.dataDir, join(dataDir, 'content-server'), 'the content lives in the sandbox data folder');
    const page = await fetch(cs.ui);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /Enterprise Workspace/);
    assert.match(html, /Initech \(0000100010\)/, 'the seeded business workspaces');
    const client = new ContentServerClient({
      baseUrl: cs.apiBase,
      auth: { kind: 'password', username: cs.username, password: cs.password },
      categoryTemplates: [2470],
    });
    try {
      assert.equal((await client.whoami()).name, 'Admin');
      const doc = await client.upload({
        target: 'Enterprise:Inbound',
        name: 'sandbox-check.txt',
        open: () => Readable.from([Buffer.from('seen on the page')]),
        categories: { Invoice: { Vendor: 'Sandbox' } },
      });
      await stat(join(cs.dataDir, 'state.json'));
      const after = await (await fetch(cs.ui)).text();
      assert.match(after, /sandbox-check\.txt/);
      const node = await (await fetch(`${new URL(cs.ui).origin}/__sim/ui/nodes/${doc.id}`)).text();
      assert.match(node, /<td>Vendor<\/td><td>Sandbox<\/td>/);
    } finally {
      await client.close();
    }
  });

  it('defines every context store an example asks for, so none falls back to memory with a log line nobody reads', async () => {
    const settings = require(join(status.userDir, 'settings.js')) as { contextStorage?: unknown };
    const asked: string[] = [];
    for (const file of exampleFiles()) {
      const nodes = JSON.parse(await readFile(join(REPO_ROOT, 'examples', file), 'utf8')) as Record<string, unknown>[];
      for (const node of nodes) {
        for (const key of ['ledgerStore', 'store']) if (typeof node[key] === 'string' && node[key] !== '') asked.push(node[key]);
      }
    }
    assert.ok(asked.includes('file'), `the examples ask for: ${asked.join(', ')}`);
    for (const store of asked) assert.equal(missingContextStore(settings.contextStorage, store), undefined, `store "${store}" is not defined`);
  });

  it('Node-RED loads the package from the repository', async () => {
    const res = await fetch(`${status.editor}/nodes`, { headers: { Accept: 'application/json' } });
    const sets = (await res.json()) as { module: string; types: string[]; err?: string }[];
    const ours = sets.filter((s) => s.module === 'node-red-contrib-ecm-filebridge');
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
    assert.deepEqual(ours.flatMap((s) => s.types).sort(), Object.keys(pkg['node-red'].nodes).sort());
    for (const set of ours) assert.equal(set.err ?? undefined, undefined);
  });

  it('deploys every example under its own prefix, pointed at the local servers', async () => {
    const deployed = await flows();
    const examples = await loadExamples(examplesDir);
    assert.ok(examples.length > 1);
    assert.equal(status.examples.length, examples.length);
    examples.forEach((example, i) => {
      const prefix = status.examples[i].prefix;
      const originalTab = example.nodes.find((n) => n.type === 'tab');
      const tab = deployed.find((n) => n.id === `${prefix}${originalTab?.id ?? ''}`);
      assert.ok(tab, `tab of ${example.name} not deployed as ${prefix}${originalTab?.id ?? ''}`);
      assert.notEqual(tab.disabled, true, `${example.name} is disabled: ${String(tab.info)}`);
      for (const node of example.nodes)
        assert.ok(
          deployed.some((n) => n.id === `${prefix}${node.id}`),
          `${prefix}${node.id} missing`,
        );
    });
    assert.equal(new Set(status.examples.map((e) => e.prefix)).size, status.examples.length, 'prefixes are not unique');
    assert.ok(deployed.some((n) => n.type === 'filebridge-remote'));
    const configs = deployed.filter((n) => n.type === 'filebridge-server');
    assert.ok(configs.length > 0);
    const ports = new Set(status.servers.map((s) => String(s.port)));
    // Content Server connections, when examples have them, go to the simulator with the sandbox login
    // (the password in Node-RED's credential store, not in the flows file).
    const flowsFile = await readFile(join(status.userDir, 'flows.json'), 'utf8');
    assert.ok(!flowsFile.includes(status.contentServer.password), 'the CS password is in flows.json');
    const csConnections = deployed.filter((n) => n.type === 'filebridge-cs-connection');
    assert.ok(csConnections.length > 0, 'no CS connection deployed');
    for (const c of csConnections) {
      assert.deepEqual([c.baseUrl, c.authMode, c.username, c.d], [status.contentServer.apiBase, 'password', 'Admin', undefined], `${c.id}`);
      const creds = (await (await fetch(`${status.editor}/credentials/filebridge-cs-connection/${c.id}`)).json()) as Record<string, unknown>;
      assert.equal(creds.has_password, true, `${c.id} has no password`);
    }
    // Dropbox configurations go to the Dropbox simulator, signed in with its refresh token (in the
    // credential store, not in the flows file); team space stays as the example has it.
    const dropboxConfigs = configs.filter((c) => c.protocol === 'dropbox');
    assert.ok(dropboxConfigs.length > 0, 'no Dropbox configuration deployed');
    assert.ok(!flowsFile.includes(status.dropbox.refreshToken), 'the Dropbox refresh token is in flows.json');
    for (const c of dropboxConfigs) {
      assert.deepEqual([c.serviceUrl, c.appKey, c.d], [status.dropbox.url, status.dropbox.appKey, undefined], `${c.id}`);
      const creds = (await (await fetch(`${status.editor}/credentials/filebridge-server/${c.id}`)).json()) as Record<string, unknown>;
      assert.equal(creds.has_refreshToken, true, `${c.id} has no Dropbox sign-in`);
    }
    // File 360 configurations go to the File 360 simulator: its URL as API and SSO URL, its client id,
    // and the client secret in the credential store, not in the flows file.
    const file360Configs = configs.filter((c) => c.protocol === 'file360');
    assert.ok(file360Configs.length > 0, 'no File 360 configuration deployed');
    assert.ok(!flowsFile.includes(status.file360.clientSecret), 'the File 360 client secret is in flows.json');
    for (const c of file360Configs) {
      assert.deepEqual(
        [c.apiUrl, c.ssoUrl, c.clientId, c.username, c.d],
        [status.file360.url, status.file360.url, status.file360.clientId, '', undefined],
        `${c.id}`,
      );
      const creds = (await (await fetch(`${status.editor}/credentials/filebridge-server/${c.id}`)).json()) as Record<string, unknown>;
      assert.equal(creds.has_clientSecret, true, `${c.id} has no client secret`);
    }
    // REST connections go to the REST simulator's API, keeping the example's kind of login; the secret of
    // that kind is in the credential store, not in the flows file.
    const restConnections = deployed.filter((n) => n.type === 'filebridge-rest-connection');
    assert.equal(restConnections.length, 7, 'one REST connection per xConnector example');
    for (const secret of [status.rest.password, status.rest.bearerToken, status.rest.apiKey, status.rest.clientSecret])
      assert.ok(!flowsFile.includes(secret), 'a REST secret is in flows.json');
    const secretOf: Record<string, string> = { basic: 'password', bearer: 'token', apiKey: 'apiKey', oauth2: 'clientSecret' };
    for (const c of restConnections) {
      assert.deepEqual([c.baseUrl, c.d], [status.rest.apiUrl, undefined], `${c.id}`);
      const creds = (await (await fetch(`${status.editor}/credentials/filebridge-rest-connection/${c.id}`)).json()) as Record<string, unknown>;
      assert.equal(creds[`has_${secretOf[String(c.authType)]}`], true, `${c.id} (${String(c.authType)}) has no ${secretOf[String(c.authType)]}`);
    }
    for (const c of configs.filter((x) => x.protocol !== 'dropbox' && x.protocol !== 'file360')) {
      assert.equal(c.host, '127.0.0.1');
      assert.ok(ports.has(String(c.port)), `${c.id} uses port ${String(c.port)}, not a sandbox server`);
      assert.match(String(c.hostKey), /^SHA256:/);
      assert.match(String(c.tlsCa), /BEGIN CERTIFICATE/);
    }
  });

  it('the examples publish to the local servers when their inject is clicked', async () => {
    const home = status.home ?? '';
    const deployed = await flows();
    const byId = new Map(deployed.map((n) => [n.id, n]));
    const downstream = (start: string): Set<string> => {
      const seen = new Set<string>();
      const queue = [start];
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        if (seen.has(id)) continue;
        seen.add(id);
        const wires = byId.get(id)?.wires;
        if (Array.isArray(wires)) for (const out of wires) if (Array.isArray(out)) queue.push(...out.filter((w): w is string => typeof w === 'string'));
      }
      return seen;
    };
    // What Content Server exports publish depends on the documents there: their example tests cover them.
    const fromExports = new Set(deployed.filter((n) => n.type === 'filebridge-cs-export').flatMap((n) => [...downstream(n.id)]));
    // Nor do the xConnector examples write into outbox/: what they publish comes from the REST API (the xConnector test below).
    const fromApi = new Set(deployed.filter((n) => n.type === 'filebridge-rest-request').flatMap((n) => [...downstream(n.id)]));
    const puts = deployed.filter((n) => n.type === 'filebridge-remote' && n.operation === 'put' && !fromExports.has(n.id) && !fromApi.has(n.id));
    const protocols = new Set<string>();
    for (const put of puts) {
      // The inject whose wires lead to this put: the example's "Publish" button.
      const inject = deployed.find((n) => {
        if (n.type !== 'inject' || n.z !== put.z) return false;
        const seen = new Set<string>();
        const queue = [n.id];
        for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
          if (id === put.id) return true;
          if (seen.has(id)) continue;
          seen.add(id);
          const wires = byId.get(id)?.wires;
          if (Array.isArray(wires)) for (const out of wires) if (Array.isArray(out)) queue.push(...out.filter((w): w is string => typeof w === 'string'));
        }
        return false;
      });
      // Puts fed by a pipeline (an acknowledgement after ingestion, ftp-cs-07) have no button: the
      // example tests cover them.
      if (!inject) continue;
      const protocol = String(byId.get(String(put.server))?.protocol);
      // Puts into Dropbox land in the Dropbox simulator, not in outbox/: the Dropbox test below reads them there.
      if (protocol === 'dropbox') continue;
      protocols.add(protocol);
      const before = new Set(await filesBelow(join(home, 'outbox')));
      const res = await fetch(`${status.editor}/inject/${inject.id}`, { method: 'POST' });
      assert.equal(res.status, 200, `POST /inject/${inject.id}`);
      // Puts write a hidden temporary name and rename it; only the final, non-empty file counts.
      await until(
        `a new file in outbox/ from ${put.id} (${protocol})`,
        30_000,
        async () => {
          for (const f of await filesBelow(join(home, 'outbox'))) {
            if (before.has(f) || f.split('/').some((part) => part.startsWith('.')) || f.endsWith('.done')) continue;
            if ((await stat(join(home, 'outbox', f))).size > 0) return f;
          }
          return undefined;
        },
        tail,
      );
    }
    assert.ok(protocols.has('sftp'), 'no SFTP example publishes');
  });

  it('a CS example files into the simulator when its inject is clicked', async () => {
    const inject = (await flows()).find((n) => n.type === 'inject' && n.name === 'File a document');
    assert.ok(inject, 'the CS check example is not deployed');
    const res = await fetch(`${status.editor}/inject/${inject.id}`, { method: 'POST' });
    assert.equal(res.status, 200);
    const cs = status.contentServer;
    const client = new ContentServerClient({ baseUrl: cs.apiBase, auth: { kind: 'password', username: cs.username, password: cs.password } });
    try {
      const id = await until(
        'the injected document in Enterprise:Inbound',
        30_000,
        async () => (await client.nodes.findChild(2200, 'sandbox-inject.txt'))?.id,
        tail,
      );
      const download = await fetch(`${new URL(cs.ui).origin}/__sim/ui/nodes/${id}/versions/1/content`);
      assert.equal(await download.text(), 'filed by the sandbox');
      assert.match(await (await fetch(cs.ui)).text(), /sandbox-inject\.txt/);
    } finally {
      await client.close();
    }
  });

  it('keeps dropping sample files into inbox/', async () => {
    const home = status.home ?? '';
    assert.ok((await filesBelow(join(home, 'inbox'))).includes('hello.txt') || (await filesBelow(join(home, 'archive'))).length > 0);
    await until(
      'a sample file arriving in inbox/',
      15_000,
      async () => {
        const arrivals = (await filesBelow(join(home, 'inbox'))).filter((f) => f.startsWith('arrival-'));
        return arrivals.length > 0 ? arrivals : undefined;
      },
      tail,
    );
  });

  const simDocumentsSeen = new Set<string>();

  /** Every document below the roots as `Folder/Sub/name`, with its version count. */
  async function simDocuments(): Promise<Map<string, number>> {
    type TreeNode = { name?: string; versions?: number; children?: TreeNode[] };
    const docs = new Map<string, number>();
    const walk = (node: TreeNode, prefix: string): void => {
      const path = prefix === '' ? String(node.name) : `${prefix}/${String(node.name)}`;
      if (node.versions !== undefined) {
        docs.set(path, node.versions);
        simDocumentsSeen.add(`${path} v${node.versions}`);
      }
      for (const child of node.children ?? []) walk(child, path);
    };
    // 2000 is the Enterprise Workspace, 2450 the business workspaces' folder.
    for (const root of [2000, 2450]) {
      const res = await fetch(`${new URL(status.contentServer.ui).origin}/__sim/tree?root=${root}`);
      walk((await res.json()) as TreeNode, '');
    }
    return docs;
  }

  it('files the sample files of every running ingestion example into the simulator (their happy path)', async () => {
    // What each example makes of the sandbox's samples, by where its map-metadata files them.
    const expected: Record<string, RegExp> = {
      'ftp-cs-01': /\/Partners\/ACME\/Invoices\/\d{4}\/INV_ACME_\d{4}-\d\d-\d\d_\d+\.pdf$/,
      'ftp-cs-03': /\/Archive\/Legacy migration\/.*\/(Invoice|Master agreement) \d{4}/,
      'ftp-cs-05': /\/Marketing\/Campaigns\/SPRING26\/[a-z-]+\/SPRING26_[a-z-]+_keyvisual-\d+\.tif$/,
      'ftp-cs-07': /\/Inbound\/Partner forms\/B\d{4}\/FORM_B\d{4}_00[12]\.pdf$/,
      'ftp-cs-08': /\/Inbound\/Invoices\/\d{4}\/INV_(ACME|GLOBEX)_\d{8}_\d+\.pdf$/,
      'sftp-cs-01': /\(00001000[123]0\)\/Contracts\/Contract \d+\.pdf$/,
      'sftp-cs-03': /\/Records\/Shipments\/\d{4}\/\d\d\/\d\d\/SHIP_\d{8}_\d+\.csv$/,
      'sftp-cs-05': /\/Compliance\/(AUDIT|CAPA|DEVIATION)\/\d{4}\/QC_[A-Z]+_\d{4}-\d\d\.pdf$/,
    };
    const running = status.examples.filter((e) => e.disabledBecause === null).map((e) => /^(?:.*\/)?([a-z]+(?:-[a-z]+)*-\d+)\b/.exec(e.name)?.[1]);
    const wanted = Object.entries(expected).filter(([id]) => running.includes(id));
    assert.ok(
      wanted.length === Object.keys(expected).length,
      `ingestion examples not running: ${Object.keys(expected)
        .filter((id) => !running.includes(id))
        .join(', ')}`,
    );
    let missing: string[] = [];
    await until(
      'documents from every ingestion example in the simulator',
      60_000,
      async () => {
        const names = [...(await simDocuments()).keys()];
        missing = wanted.filter(([, re]) => !names.some((n) => re.test(n))).map(([id]) => id);
        return missing.length === 0 ? true : undefined;
      },
      () => `\nStill missing: ${missing.join(', ')}\nIn the simulator: ${[...simDocumentsSeen].join('\n')}${tail()}`,
    );
  });
  it('the export examples send the seeded documents to the partner servers, and a signed copy returns as version 2', async () => {
    const home = status.home ?? '';
    await until(
      'seeded documents on the partner side (ftp-cs-02, sftp-cs-02)',
      40_000,
      async () => {
        const acme = await filesBelow(join(home, 'partner-release', 'acme'));
        const globex = await filesBelow(join(home, 'distributors', 'globex'));
        return acme.some((f) => f.endsWith('INV-0040.pdf')) && !acme.some((f) => f.includes('draft')) && globex.includes('Price list 2026.pdf')
          ? true
          : undefined;
      },
      tail,
    );
    // ftp-cs-04: exported at start, signed by the sandbox's "partner", filed back as a new version.
    await until(
      'the signed SOP-017 as version 2 (ftp-cs-04)',
      40_000,
      async () => {
        const docs = await simDocuments();
        return docs.get('Enterprise Workspace/Regulated/Out for signature/SOP-017 Batch release.pdf') === 2 ? true : undefined;
      },
      () =>
        `\nIn the simulator: ${[...simDocumentsSeen].filter((d) => d.includes('Regulated')).join('\n')}\nReturn folder: ${output
          .split('\n')
          .filter((l) => l.includes('ftp-cs-04'))
          .join('\n')}${tail()}`,
    );
    // sftp-cs-04: the same round trip over SFTP, for the seeded unsigned contract.
    await until(
      'the signed Contract ACME as version 2 (sftp-cs-04)',
      30_000,
      async () => ((await simDocuments()).get('Enterprise Workspace/Legal/Contracts/Contract ACME.pdf') === 2 ? true : undefined),
      () => `\nIn the simulator: ${[...simDocumentsSeen].filter((d) => d.includes('Legal')).join('\n')}${tail()}`,
    );
  });

  it('the on-demand exports (ftp-cs-06, sftp-cs-06, sftp-cs-08) send the seeded documents when their inject is clicked', async () => {
    const home = status.home ?? '';
    const deployed = await flows();
    const cases: [string, string, string, string][] = [
      ['ftp-cs-06', 'Run now', 'cs-archive', 'INV-7002.pdf'],
      ['sftp-cs-06', 'Send Initech package', 'customers/initech', 'Initech service agreement.pdf'],
      ['sftp-cs-08', 'Retransmit INV-0042.pdf', 'partner-acme/outbound', 'INV-0042.pdf'],
    ];
    for (const [id, button, folder, file] of cases) {
      const tab = status.examples.find((e) => e.name.replace(/^.*\//, '').startsWith(`${id} `));
      assert.ok(tab, `${id} not deployed`);
      const inject = deployed.find((n) => n.type === 'inject' && n.z === tab.tabId && n.name === button);
      assert.ok(inject, `${id} has no inject "${button}"`);
      assert.equal((await fetch(`${status.editor}/inject/${inject.id}`, { method: 'POST' })).status, 200);
      await until(
        `${file} below ${folder} (${id})`,
        20_000,
        async () => ((await filesBelow(join(home, folder))).some((f) => f === file || f.endsWith(`/${file}`)) ? true : undefined),
        tail,
      );
    }
  });

  it("ftp-cs-07 acknowledges the sandbox's form batches, and ftp-cs-08 parks the deliberately bad invoice with a report", async () => {
    const home = status.home ?? '';
    await until(
      'an acknowledgement file in ftp-cs-07/outbox',
      40_000,
      async () => {
        const acks = (await filesBelow(join(home, 'ftp-cs-07', 'outbox'))).filter((f) => /^ACK_B\d{4}(_\d+)?\.csv$/.test(f));
        for (const ack of acks) {
          const text = await readFile(join(home, 'ftp-cs-07', 'outbox', ack), 'utf8');
          if (/FORM_B\d{4}_001\.pdf/.test(text) && /ACCEPTED/.test(text)) return ack;
        }
        return undefined;
      },
      tail,
    );
    await until(
      'a quarantined invoice with its report in ftp-cs-08',
      30_000,
      async () => {
        const parked = await filesBelow(join(home, 'ftp-cs-08'));
        return parked.some((f) => f.endsWith('.error.json')) ? true : undefined;
      },
      tail,
    );
  });

  /** Every file of a space of the Dropbox simulator, by its displayed path (`GET /_sim/state`). */
  async function dropboxFiles(root: 'home' | 'team_root' = 'home'): Promise<string[]> {
    const res = await fetch(`${status.dropbox.url}/_sim/state`);
    assert.equal(res.status, 200);
    const state = (await res.json()) as { namespaces: { kind: string; entries: { '.tag': string; path_display: string }[] }[] };
    return (state.namespaces.find((n) => n.kind === root)?.entries ?? []).filter((e) => e['.tag'] === 'file').map((e) => e.path_display);
  }

  it('files arriving in Dropbox go through the running Dropbox examples to documents in the Content Server simulator, and the exports publish to Dropbox', async () => {
    // What each Dropbox example makes of the sandbox's Dropbox arrivals, by where its map-metadata files them.
    const expected: Record<string, RegExp> = {
      'dbx-cs-01': /\/Partners\/ACME\/Contracts\/C-\d{4}-\d{3}_Sandbox services agreement\.pdf$/,
      'dbx-cs-03': /\/Compliance\/(Quality|Finance)\/\d{4}\/(Supplier audit|KPI extract) \d+_\d{4}-\d\d\.(pdf|csv)$/,
      'dbx-cs-04': /\/Partners\/ACME\/Invoices\/\d{4}\/INV_ACME_\d{4}-\d\d-\d\d_DBX-\d{4}\.pdf$/,
      'dbx-cs-06': /\/Archive\/Closed projects\/Sandbox project \d+\/.*\.pdf$/,
      'dbx-cs-07': /\/Inbound\/Client submissions\/(ACME|Globex)\/\d{4}-\d\d\/Signed order form \d+\.pdf$/,
      // Its first (nightly) run at start backs up the simulator's seeded team folders.
      'dbx-cs-08': /\/Archive\/Dropbox team backup\/Finance\/Invoices\/INV-2026-001\.txt$/,
    };
    const running = status.examples.filter((e) => e.disabledBecause === null).map((e) => /^(?:.*\/)?([a-z]+(?:-[a-z]+)*-\d+)\b/.exec(e.name)?.[1]);
    const wanted = Object.entries(expected).filter(([id]) => running.includes(id));
    assert.ok(wanted.length > 0, `no Dropbox ingestion example runs: ${running.join(', ')}`);
    let missing: string[] = [];
    await until(
      'documents from every Dropbox ingestion example in the Content Server simulator',
      60_000,
      async () => {
        const names = [...(await simDocuments()).keys()];
        missing = wanted.filter(([, re]) => !names.some((n) => re.test(n))).map(([id]) => id);
        return missing.length === 0 ? true : undefined;
      },
      () =>
        `\nStill missing: ${missing.join(', ')}\nIn the simulator: ${[...simDocumentsSeen].join('\n')}\nIn Dropbox: ${output
          .split('\n')
          .filter((l) => l.includes('Dropbox'))
          .slice(-20)
          .join('\n')}${tail()}`,
    );
    // The arrivals are really in the Dropbox simulator's folders (the team space for dbx-cs-03).
    if (running.includes('dbx-cs-01'))
      assert.ok(
        (await dropboxFiles()).some((p) => /^\/Clients\/ACME\/Final\/C-\d{4}-\d{3}_/.test(p)),
        'dbx-cs-01 leaves its files in Dropbox',
      );
    // dbx-cs-02: the seeded release documents published into ACME's Dropbox folder.
    if (running.includes('dbx-cs-02')) {
      await until(
        'the seeded release documents in /Clients/ACME/From us (dbx-cs-02)',
        40_000,
        async () => {
          const files = await dropboxFiles();
          return files.includes('/Clients/ACME/From us/Terminal spec.pdf') && files.some((f) => f.endsWith('/Drawing 01.pdf')) ? true : undefined;
        },
        tail,
      );
    }
  });

  it('files arriving on FTP and documents put into File 360 go through the running File 360 examples, both ways', async () => {
    type F360State = { documents: { path: string }[] };
    const f360Documents = async (): Promise<string[]> =>
      ((await (await fetch(`${status.file360.url}/_sim/state`)).json()) as F360State).documents.map((d) => d.path);
    assert.match(await (await fetch(`${status.file360.url}/`)).text(), /File 360 simulator/);
    // FTP -> File 360: where each example files the sandbox's FTP samples.
    const into: Record<string, RegExp> = {
      'f360-01': /^\/Suppliers\/ACME\/(Product images|Spec sheets|Price files)\/[^/]+$/,
      'f360-03': /^\/Operations\/Feeds\/(inventory|orders)\/(inventory|orders)\.csv$/,
      'f360-04': /^\/Marketing\/Agency media\/\d{4}-\d\d\/SPRING26_teaser-\d{4}\.mov$/,
      'f360-06': /^\/Audit\/Evidence\/\d{4}\/Evidence \d{4} - confirmation\.pdf$/,
      'f360-07': /^\/Archive\/Job outputs\/\d{4}\/\d\d\/Transfer details\/[^/]+\.transfer\.json$/,
      'f360-08': /^\/Suppliers\/ACME\/Onboarding\/(products|prices)\/[^/]+\.csv$/,
    };
    // File 360 -> FTP: what reaches the partner folders on the sandbox's servers.
    const home = status.home ?? '';
    const out: Record<string, [string, RegExp]> = {
      'f360-02': ['f360-02/outbox', /^Sandbox asset \d{4}\.png$/],
      'f360-05': ['f360-05/distributor', /^Release note \d{4}\.pdf$/],
      'f360-06': ['f360-06/auditor/reports', /^Audit report \d{4}-\d{4}\.pdf$/],
    };
    const running = status.examples.filter((e) => e.disabledBecause === null).map((e) => e.name.replace(/^.*\//, '').split(' ')[0]);
    for (const id of ['f360-01', 'f360-02', 'f360-03', 'f360-04', 'f360-05', 'f360-06', 'f360-07', 'f360-08'])
      assert.ok(running.includes(id), `${id} is not running`);
    let missing: string[] = [];
    await until(
      'documents and files from every File 360 example',
      60_000,
      async () => {
        const docs = await f360Documents();
        missing = Object.entries(into)
          .filter(([, re]) => !docs.some((d) => re.test(d)))
          .map(([id]) => id);
        for (const [id, [folder, re]] of Object.entries(out)) if (!(await filesBelow(join(home, folder))).some((f) => re.test(f))) missing.push(`${id} (FTP)`);
        return missing.length === 0 ? true : undefined;
      },
      () => `\nStill missing: ${missing.join(', ')}${tail()}`,
    );
    // The release gate: drafts wait in review, only approved ones reach the distributor.
    const drafts = (await f360Documents()).filter((d) => d.startsWith('/Releases/Review/'));
    const exported = await filesBelow(join(home, 'f360-05', 'distributor'));
    for (const d of drafts) assert.ok(!exported.includes(d.replace(/^.*\//, '')), `the draft ${d} was exported`);
  });

  it('runs the REST simulator and feeds the seven xConnector examples: FTP samples reach the API, API data reaches the partner folders', async () => {
    // GET /_sim/state?resource=: `{ counts, products: { items }, availability: { items }, ... }`, the asked resource paged.
    type State = Record<string, { items: { sku: string }[] }>;
    const skus = async (resource: string): Promise<string[]> => {
      const all: string[] = [];
      for (let offset = 0; ; offset += 1000) {
        const state = (await (await fetch(`${status.rest.url}/_sim/state?resource=${resource}&offset=${offset}&limit=1000`)).json()) as State;
        const items = state[resource].items;
        all.push(...items.map((r) => r.sku));
        if (items.length < 1000) return all;
      }
    };
    assert.equal((await fetch(`${status.rest.url}/`)).status, 200, "the REST simulator's web page answers");
    const running = status.examples.filter((e) => e.disabledBecause === null).map((e) => e.name.replace(/^.*\//, '').split(' ')[0]);
    for (const id of ['xc-01', 'xc-02', 'xc-03', 'xc-04', 'xc-05', 'xc-06', 'xc-07']) assert.ok(running.includes(id), `${id} is not running`);
    const home = status.home ?? '';
    // FTP -> API: the sample files of each example, as records in the simulator.
    const posted: Record<string, [string, RegExp]> = {
      'xc-01': ['products', /^SBX-C\d{4}-\d\d$/],
      'xc-04': ['availability', /^SBX-A\d\d$/],
      'xc-05': ['products', /^SBX-I\d{4}$/],
      'xc-07 (Nordic Parts)': ['products', /^SBX-N\d{4}$/],
      'xc-07 (Alpine Supply)': ['products', /^SBX-P\d{4}$/],
    };
    // API -> FTP (and FTP -> FTP by the API's word): what reaches the partner folders.
    const files: Record<string, [string, RegExp]> = {
      'xc-02': ['xc-02/outbox', /^products_\d{8}\.csv$/],
      'xc-03': ['xc-03/library', /^(garden|home|outdoor)\/SBX-M\d_view\d+\.jpg$/],
      'xc-03 (unknown product)': ['xc-03/incoming/.filebridge/failed', /SBX-UNKNOWN\d+_view\d+\.jpg$/],
      'xc-04': ['xc-04/outbox', /^inventory_\d{8}-\d{6}\.csv$/],
      'xc-05 (quarantined)': ['xc-05/intake/.filebridge/failed', /products_sandbox0006_\d{8}\.csv$/],
      'xc-06': ['xc-06/archive', /^sandbox-backup-\d{4}\.tar\.gz\.sha256$/],
      'xc-07 (Nordic Parts)': ['xc-07/nordic/out', /^katalog_\d{8}\.csv$/],
      'xc-07 (Alpine Supply)': ['xc-07/alpine/out', /^catalogue_\d{8}\.jsonl$/],
    };
    let missing: string[] = [];
    await until(
      'records and files from every xConnector example',
      120_000,
      async () => {
        missing = [];
        const stored: Record<string, string[]> = { products: await skus('products'), availability: await skus('availability') };
        for (const [id, [resource, re]] of Object.entries(posted)) if (!stored[resource].some((sku) => re.test(sku))) missing.push(id);
        for (const [id, [folder, re]] of Object.entries(files)) if (!(await filesBelow(join(home, folder))).some((f) => re.test(f))) missing.push(id);
        return missing.length === 0 ? true : undefined;
      },
      () => `\nStill missing: ${missing.join(', ')}${tail()}`,
    );
    // The quarantined intake file never reached the API.
    assert.ok(!(await skus('products')).includes('SBX-I0006'), 'the failing intake file was posted');
  });

  it('stops everything on SIGINT and exits 0', async () => {
    const proc = child;
    assert.ok(proc);
    const nodeRedPort = Number(new URL(status.editor).port);
    const ports = [nodeRedPort, status.contentServer.port, status.dropbox.port, status.file360.port, ...status.servers.map((s) => s.port)];
    const home = status.home ?? '';
    const childTree = descendants(proc.pid ?? -1);
    assert.ok(childTree.length > 0, 'the sandbox has no child processes');

    proc.kill('SIGINT');
    const timeout = sleep(20_000).then(() => 'timeout' as const);
    const result = await Promise.race([exited, timeout]);
    assert.notEqual(result, 'timeout', `the sandbox did not exit within 20 s after SIGINT${tail()}`);
    assert.deepEqual(result, { code: 0, signal: null }, tail());

    for (const port of ports) assert.ok(await refuses(port), `port ${port} still accepts connections after the sandbox stopped`);
    assert.deepEqual(await processesMentioning(dataDir), [], 'processes of the sandbox are left running');
    assert.deepEqual(childTree.filter(isAlive), [], 'processes the sandbox started are still alive');
    assert.equal(
      await stat(home).then(
        () => true,
        () => false,
      ),
      false,
      'the server home folder was not removed',
    );
    assert.equal(
      await stat(join(dataDir, 'sandbox.json')).then(
        () => true,
        () => false,
      ),
      false,
      'the status file was not removed',
    );
    assert.match(output, /Sandbox stopped\./);
  });
});
