/**
 * End-to-end tests of the File 360 examples (examples/f360-*.json): the example loaded as a user
 * imports it, with only what a user changes pointed at the test servers (each FTP server
 * configuration at the shared vsftpd, each File 360 server configuration's API and SSO URL, client id
 * and client secret at the File 360 simulator), run in node-red-node-test-helper, its outcomes read
 * through the simulator's inspection endpoint (`GET /_sim/state`) and the FTP server's files.
 *
 * `file360ExampleRig()` inside a `describe` starts one File 360 simulator for the block (the examples
 * use folders of their own, so they share it) and a fresh Node-RED test runtime around every test.
 */
import { readFile } from 'node:fs/promises';
import helper from 'node-red-node-test-helper';
import { QUIET_FAULTS, startFile360Sim, type File360Sim, type File360SimDocument, type File360SimFolder, type File360SimState } from '../../dev/sim/file360';
import { servers } from './dev-servers';
import { EXAMPLE_NODES } from './dropbox-example-flows';
import { coreNodes, prepareExample, type PreparedExample } from './example-flows';
import { accessToken, call } from './file360-sim';
import { Arrivals, loadFlow, startTestServer, stopTestServer } from './flow-helper';
import { localFiles } from './watch-pipeline';

import f360PutNode from '../../src/nodes/filebridge-f360-put';

/** Every node type of the package (with file360 put), and the Node-RED core nodes the examples use. */
export const FILE360_EXAMPLE_NODES: unknown[] = [...EXAMPLE_NODES, f360PutNode];

export type F360ExampleMsg = Record<string, unknown> & {
  payload?: unknown;
  filename?: string;
  filebridge?: Record<string, Record<string, unknown> | undefined>;
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 100 ms until it gives something other than undefined/false; a timeout names `what`. */
export async function waitFor<T>(
  what: string | (() => string),
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const got = await check();
    if (got !== undefined && got !== false) return got;
    if (Date.now() > end) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(100);
  }
}

/** What reaches an example's debug nodes, by debug name. */
export class Outcomes {
  private readonly byDebug = new Map<string, F360ExampleMsg[]>();

  constructor(example: PreparedExample, debugNames: string[]) {
    const ids = new Map(debugNames.map((name) => [example.byName('debug', name).id, name]));
    for (const name of debugNames) this.byDebug.set(name, []);
    const arrivals = new Arrivals<F360ExampleMsg>([...ids.keys()]);
    void (async () => {
      for (;;) {
        const { id, msg } = await arrivals.next();
        this.byDebug.get(ids.get(id) as string)?.push(msg);
      }
    })();
  }

  of(name: string): F360ExampleMsg[] {
    return this.byDebug.get(name) ?? [];
  }

  /** Waits until the named debug has seen `count` messages; a timeout lists what every debug got. */
  count(name: string, count: number, timeoutMs = 30_000): Promise<F360ExampleMsg[]> {
    return waitFor(
      () =>
        `${count} message(s) at debug "${name}"; got ${JSON.stringify(
          [...this.byDebug].map(([debug, msgs]) => [debug, msgs.map((m) => `${m.filename ?? ''} ${typeof m.payload === 'string' ? m.payload : ''}`)]),
        )}`,
      () => (this.of(name).length >= count ? this.of(name) : undefined),
      timeoutMs,
    );
  }
}

export interface File360ExampleRig {
  /** The File 360 simulator of the block. */
  sim(): File360Sim;
  /** Loads an example pointed at vsftpd and the simulator, and collects what reaches the named debug nodes. */
  load(relPath: string, debugNames: string[]): Promise<{ example: PreparedExample; out: Outcomes }>;
  /** `GET /_sim/state`: folders (with collaborators), documents (size, sha256), groups, trash. */
  state(): Promise<File360SimState>;
  /** The live document at a path below the root (`/Suppliers/ACME/x.csv`), from `/_sim/state`. */
  documentAt(path: string): Promise<File360SimDocument | undefined>;
  /** Waits for a document at a path (optionally with this sha256). */
  waitForDocument(path: string, sha256?: string, timeoutMs?: number): Promise<File360SimDocument>;
  /** The live folder at a path below the root, from `/_sim/state`. */
  folderAt(path: string): Promise<File360SimFolder | undefined>;
  /** The documents directly in a folder, by name. */
  documentsIn(path: string): Promise<File360SimDocument[]>;
  /** A document's bytes, downloaded through the API as a client would. */
  content(documentId: string): Promise<Buffer>;
  /** Creates a folder path below the root (missing parents too), as a person would in the web client; its id. */
  mkdirs(path: string): Promise<string>;
  /** Uploads a document into a folder path, as a person would. */
  putDocument(folder: string, name: string, content: string | Buffer): Promise<File360SimDocument>;
  /** Moves a document into another folder (`PUT /api/v1/documents/{id}` with the new parentId), as a reviewer would. */
  moveDocument(documentId: string, folder: string): Promise<void>;
  /** Deletes (to the trash) every document directly in a folder, so a test starts from an empty folder an earlier test used. */
  emptyFolder(path: string): Promise<void>;
}

/**
 * The setup of File 360 example tests: call it in a describe block. Starts the File 360 simulator
 * for the block and a Node-RED test runtime around every test, and (re)starts the shared dev
 * servers before each test in case an earlier test stopped one.
 */
export function file360ExampleRig(): File360ExampleRig {
  let running: File360Sim | undefined;
  let token = '';
  before(async () => {
    running = await startFile360Sim({ port: 0, faults: QUIET_FAULTS });
    token = await accessToken(running);
  });
  after(async () => {
    await running?.stop();
    running = undefined;
  });
  beforeEach(async () => {
    await servers().startAll();
    await startTestServer();
  });
  afterEach(async () => {
    await helper.unload();
    await stopTestServer();
  });
  const sim = (): File360Sim => {
    if (!running) throw new Error('The File 360 simulator runs inside tests only');
    return running;
  };
  const api = async (method: string, path: string, json?: unknown): Promise<unknown> => {
    let a = await call(sim(), method, path, { token, json });
    if (a.status === 401) {
      token = await accessToken(sim());
      a = await call(sim(), method, path, { token, json });
    }
    if (a.status >= 300) throw new Error(`${method} ${path}: ${a.status} ${a.text}`);
    return a.json;
  };
  const state = async (): Promise<File360SimState> => {
    const res = await fetch(`${sim().url}/_sim/state`);
    if (res.status !== 200) throw new Error(`File 360 simulator state: ${res.status}`);
    return (await res.json()) as File360SimState;
  };
  const folderAt = async (path: string): Promise<File360SimFolder | undefined> => (await state()).folders.find((f) => f.path === path);
  const documentAt = async (path: string): Promise<File360SimDocument | undefined> => (await state()).documents.find((d) => d.path === path);
  const mkdirs = async (path: string): Promise<string> => {
    let parent = sim().rootId;
    let at = '';
    for (const name of path.split('/').filter((p) => p !== '')) {
      at += `/${name}`;
      const existing = await folderAt(at);
      parent = existing ? existing.id : ((await api('POST', '/api/v1/folders', { name, parentId: parent })) as { id: string }).id;
    }
    return parent;
  };
  return {
    sim,
    async load(relPath, debugNames) {
      const s = sim();
      const example = prepareExample(relPath, { file360: { apiUrl: s.url, ssoUrl: s.ssoUrl, clientId: s.clientId, clientSecret: s.clientSecret } });
      await loadFlow([...FILE360_EXAMPLE_NODES, ...coreNodes()], example.flow, example.credentials);
      return { example, out: new Outcomes(example, debugNames) };
    },
    state,
    documentAt,
    waitForDocument: (path, sha256, timeoutMs = 30_000) =>
      waitFor(
        `File 360 document ${path}${sha256 ? ` with sha256 ${sha256}` : ''}`,
        async () => {
          const doc = await documentAt(path);
          return doc && (sha256 === undefined || doc.sha256 === sha256) ? doc : undefined;
        },
        timeoutMs,
      ),
    folderAt,
    async documentsIn(path) {
      const folder = await folderAt(path);
      if (!folder) return [];
      return (await state()).documents.filter((d) => d.parentId === folder.id);
    },
    async content(documentId) {
      const res = await fetch(`${sim().url}/api/v1/documents/${documentId}/content`, { headers: { Authorization: `Bearer ${token}` } });
      if (res.status !== 200) throw new Error(`download of ${documentId}: ${res.status}`);
      return Buffer.from(await res.arrayBuffer());
    },
    mkdirs,
    async putDocument(folder, name, content) {
      await mkdirs(folder);
      return sim().putFile(folder, name, content);
    },
    async moveDocument(documentId, folder) {
      const parentId = await mkdirs(folder);
      await api('PUT', `/api/v1/documents/${documentId}`, { parentId });
    },
    async emptyFolder(path) {
      const folder = await folderAt(path);
      if (!folder) return;
      for (const doc of (await state()).documents.filter((d) => d.parentId === folder.id))
        await api('PUT', `/api/v1/documents/${doc.id}`, { state: 'deleted' });
    },
  };
}

/** Every file below a folder of the FTP home, as sorted paths relative to it (dot folders included). */
export const ftpFilesBelow = localFiles;

/** A JSON file on the FTP server. */
export async function ftpJson<T>(rel: string): Promise<T> {
  return JSON.parse(await readFile(servers().localPath(rel), 'utf8')) as T;
}
