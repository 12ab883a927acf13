/**
 * End-to-end tests of the FTP <-> xConnector examples (examples/xc-*.json): the example loaded as a
 * user imports it, with only what a user changes pointed at the test servers (each FTP server
 * configuration at the shared vsftpd, each REST connection's base URL and login at the REST
 * simulator), run in node-red-node-test-helper, its outcomes read through the simulator's inspection
 * routes (`GET /_sim/state`, `/_sim/stats`, `/_sim/posts`) and the FTP server's files.
 *
 * `restExampleRig()` inside a `describe` starts one REST simulator for the block (in this process)
 * and a fresh Node-RED test runtime around every test; `simInspector(url)` reads the inspection
 * routes of any running simulator (also one started as a child process with `npm run sim:rest`).
 */
import helper from 'node-red-node-test-helper';
import { DEFAULT_FAULTS, startRestSim, type RestSim, type RestSimOptions } from '../../dev/sim/rest';
import { servers } from './dev-servers';
import { EXAMPLE_NODES } from './dropbox-example-flows';
import { coreNodes, prepareExample, type PreparedExample, type RestTarget } from './example-flows';
import { Outcomes, type F360ExampleMsg } from './file360-example-flows';
import { loadFlow, startTestServer, stopTestServer } from './flow-helper';

import restConnectionNode from '../../src/nodes/filebridge-rest-connection';
import partnerFormatNode from '../../src/nodes/filebridge-partner-format';
import restRequestNode from '../../src/nodes/filebridge-rest-request';

/** Every node type of the package with the REST ones, and the Node-RED core nodes the examples use. */
export const REST_EXAMPLE_NODES: unknown[] = [...EXAMPLE_NODES, restConnectionNode, partnerFormatNode, restRequestNode];

/** What a REST connection needs to reach a simulator: from a `RestSim`, or the CLI's JSON start line. */
export function restTarget(sim: RestTarget): RestTarget {
  const { apiUrl, tokenUrl, user, password, bearerToken, apiKey, clientId, clientSecret } = sim;
  return { apiUrl, tokenUrl, user, password, bearerToken, apiKey, clientId, clientSecret };
}

/** A stored record of the simulator (products or availability), as `/_sim/state?resource=` lists it. */
export type SimRecord = Record<string, unknown> & { sku: string };

/** The simulator's inspection routes, over HTTP (no auth), for a simulator in this process or a child. */
export interface SimInspector {
  /** `GET /_sim/state`. */
  state(): Promise<SimState>;
  /** `GET /_sim/stats`. */
  stats(): Promise<SimStats>;
  /** Every stored record of a resource (`products`, `availability`), read page by page from `/_sim/state?resource=`. */
  records(resource: string): Promise<SimRecord[]>;
  /** `GET /_sim/posts?resource=`, every page: per key, how many times it was posted. */
  posts(resource: string): Promise<Record<string, number>>;
  /** `POST /_sim/faults`. */
  setFaults(faults: Record<string, unknown>): Promise<void>;
}

/** The parts of `GET /_sim/stats` the example tests read. */
export interface SimStats {
  /** Requests per route, `POST /api/v1/products/batch`. */
  byRoute: Record<string, number>;
  authModes: Record<string, number>;
  replays: number;
  rateLimited: number;
  duplicatePosts: number;
  recordsPosted: { products: number; availability: number };
  [key: string]: unknown;
}

/** The parts of `GET /_sim/state` the example tests read. */
export interface SimState {
  counts: Record<string, number>;
  backups: { id: string; name: string; size: number; sha256: string }[];
  [key: string]: unknown;
}

async function json<T>(res: Response, what: string): Promise<T> {
  if (res.status !== 200) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export function simInspector(url: string): SimInspector {
  return {
    state: async () => json(await fetch(`${url}/_sim/state`), 'REST simulator state'),
    stats: async () => json(await fetch(`${url}/_sim/stats`), 'REST simulator stats'),
    async records(resource) {
      const out: SimRecord[] = [];
      for (let offset = 0; ;) {
        const state = await json<Record<string, { items: SimRecord[] }>>(
          await fetch(`${url}/_sim/state?resource=${encodeURIComponent(resource)}&offset=${offset}&limit=1000`),
          `REST simulator ${resource}`,
        );
        const items = state[resource].items;
        out.push(...items);
        if (items.length < 1000) return out;
        offset += items.length;
      }
    },
    async posts(resource) {
      const out: Record<string, number> = {};
      for (let offset = 0; ;) {
        const page = await json<{ items: { key: string; posts: number }[] }>(
          await fetch(`${url}/_sim/posts?resource=${encodeURIComponent(resource)}&offset=${offset}&limit=10000`),
          `REST simulator posts of ${resource}`,
        );
        for (const { key, posts } of page.items) out[key] = posts;
        if (page.items.length < 10000) return out;
        offset += page.items.length;
      }
    },
    async setFaults(faults) {
      const res = await fetch(`${url}/_sim/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(faults) });
      if (res.status >= 300) throw new Error(`REST simulator faults: ${res.status} ${await res.text()}`);
    },
  };
}

/** Requests the simulator counted for routes matching `pattern` (routes read `POST /api/v1/products/batch`), summed. */
export function requestsTo(stats: SimStats, pattern: RegExp): number {
  return Object.entries(stats.byRoute)
    .filter(([route]) => pattern.test(route))
    .reduce((sum, [, n]) => sum + n, 0);
}

export interface RestExampleRig {
  /** The REST simulator of the block. */
  sim(): RestSim;
  inspect(): SimInspector;
  /** Loads an example pointed at vsftpd and the simulator, and collects what reaches the named debug nodes. */
  load(relPath: string, debugNames: string[]): Promise<{ example: PreparedExample; out: Outcomes }>;
  /** An authenticated call to the API as another system would make it (the static bearer token; no example of the tests' own authModes assertions uses it). */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown; headers: Headers }>;
}

/**
 * Waits until the debug `name` has seen `count` messages, and fails at once (with the error code and
 * text) when one of the error debugs `failOn` gets a message first: an example whose request fails
 * does not make the test wait out its whole timeout.
 */
export async function arrived(out: Outcomes, name: string, count: number, failOn: string[], timeoutMs = 60_000): Promise<F360ExampleMsg[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    for (const debug of failOn) {
      const [first] = out.of(debug);
      if (first) {
        const err = (first as { error?: { code?: string; message?: string } }).error;
        const shown = err ? `${err.code ?? ''} ${err.message ?? ''}` : JSON.stringify(first.payload ?? first.filebridge ?? {}).slice(0, 2000);
        throw new Error(`"${debug}" got a message while waiting for "${name}": ${shown}`);
      }
    }
    if (out.of(name).length >= count) return out.of(name);
    if (Date.now() > end) return out.count(name, count, 1);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Fires an inject node of an example as a click on its button would. */
export function fire(example: PreparedExample, injectName: string): void {
  helper.getNode(example.byName('inject', injectName).id).receive({});
}

/**
 * The setup of xConnector example tests: call it in a describe block. Starts the REST simulator for
 * the block (`options` as for `startRestSim`) and a Node-RED test runtime around every test, and
 * (re)starts the shared dev servers before each test in case an earlier test stopped one.
 */
export function restExampleRig(options: RestSimOptions = {}): RestExampleRig {
  let running: RestSim | undefined;
  before(async () => {
    running = await startRestSim({ port: 0, ...options });
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
    running?.setFaults(DEFAULT_FAULTS);
  });
  const sim = (): RestSim => {
    if (!running) throw new Error('The REST simulator runs inside tests only');
    return running;
  };
  return {
    sim,
    inspect: () => simInspector(sim().url),
    async load(relPath, debugNames) {
      const example = prepareExample(relPath, { rest: restTarget(sim()) });
      await loadFlow([...REST_EXAMPLE_NODES, ...coreNodes()], example.flow, example.credentials);
      return { example, out: new Outcomes(example, debugNames) };
    },
    async api(method, path, body) {
      const s = sim();
      const res = await fetch(`${s.apiUrl}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${s.bearerToken}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON: the text as it is.
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
  };
}
