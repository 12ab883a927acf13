/**
 * End-to-end tests of the Dropbox examples (examples/dbx-cs-*.json): the example loaded as a user
 * imports it, with only what a user changes pointed at the simulators (each Dropbox server
 * configuration's app key and service URL, its sign-in as the refresh-token credential; each Content
 * Server connection's URL and login), run in node-red-node-test-helper, its outcomes read through the
 * simulators' inspection endpoints (the Dropbox simulator's `/_sim/state`, the Content Server
 * simulator's `/__sim/...`).
 *
 * `dropboxExampleRig()` inside a `describe` starts a Content Server simulator for the block and a
 * fresh Dropbox simulator for every test (the examples use fixed folders, so every test starts from
 * the seeded account), and a fresh Node-RED test runtime around every test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDropboxSim, type DropboxSim, type DropboxSimFile, type DropboxSimOptions } from '../../dev/sim/dropbox';
import type { ContentServerSim } from '../../dev/sim/content-server';
import { Arrivals, loadFlow } from './flow-helper';
import { coreNodes, type FlowNode, type PreparedExample } from './example-flows';
import { REPO_ROOT } from './runtimes';
import { simulatorAndNodeRed } from './simulator-flows';

import serverNode from '../../src/nodes/filebridge-server';
import remoteNode from '../../src/nodes/filebridge-remote';
import watchNode from '../../src/nodes/filebridge-watch';
import validateNode from '../../src/nodes/filebridge-validate';
import mapNode from '../../src/nodes/filebridge-map-metadata';
import csConnectionNode from '../../src/nodes/filebridge-cs-connection';
import csUploadNode from '../../src/nodes/filebridge-cs-upload';
import csActionNode from '../../src/nodes/filebridge-cs-action';
import csExportNode from '../../src/nodes/filebridge-cs-export';
import ackNode from '../../src/nodes/filebridge-ack';
import quarantineNode from '../../src/nodes/filebridge-quarantine';
import batchNode from '../../src/nodes/filebridge-batch';

/** Every node type of the package, and the Node-RED core nodes the examples use. */
export const EXAMPLE_NODES: unknown[] = [
  serverNode,
  remoteNode,
  watchNode,
  validateNode,
  mapNode,
  csConnectionNode,
  csUploadNode,
  csActionNode,
  csExportNode,
  ackNode,
  quarantineNode,
  batchNode,
];

/** Where a Dropbox example's server configurations are pointed. */
export interface DropboxTarget {
  url: string;
  appKey: string;
  refreshToken: string;
}

/**
 * Loads a Dropbox example file as users import it and changes only what a user changes: each
 * `filebridge-server` with protocol dropbox gets the simulator's URL as its service URL, its app key,
 * and the simulator's refresh token as its sign-in (the credential "Connect to Dropbox" stores); each
 * Content Server connection the simulator's URL and the Admin login. Team space and every other
 * setting stay as the example has them. A server of another protocol is refused (use prepareExample).
 */
export function prepareDropboxExample(relPath: string, targets: { dropbox: DropboxTarget; csApiBase?: string }): PreparedExample {
  const flow = JSON.parse(readFileSync(join(REPO_ROOT, 'examples', relPath), 'utf8')) as FlowNode[];
  const credentials: Record<string, Record<string, string>> = {};
  for (const node of flow) {
    if (node.type === 'filebridge-cs-connection') {
      if (!targets.csApiBase) throw new Error(`${relPath} has a Content Server connection: pass { csApiBase } to prepareDropboxExample`);
      Object.assign(node, { baseUrl: targets.csApiBase, authMode: 'password', username: 'Admin', otdsUrl: '', clientId: '' });
      credentials[node.id] = { password: 'livelink' };
      continue;
    }
    if (node.type !== 'filebridge-server') continue;
    if (node.protocol !== 'dropbox') throw new Error(`${relPath}: server ${node.id} is ${String(node.protocol)}, not dropbox: use prepareExample`);
    Object.assign(node, { serviceUrl: targets.dropbox.url, appKey: targets.dropbox.appKey });
    credentials[node.id] = { refreshToken: targets.dropbox.refreshToken };
  }
  return {
    flow,
    credentials,
    byName(type, name) {
      const found = flow.filter((n) => n.type === type && n.name === name);
      if (found.length !== 1) throw new Error(`Expected one ${type} named "${name}" in ${relPath}, found ${found.length}`);
      return found[0];
    },
  };
}

export type ExampleMsg = Record<string, unknown> & {
  payload?: unknown;
  topic?: string;
  filebridge?: {
    audit?: {
      outcome: string;
      source: { name: string; path: string };
      target?: { id: number; version: number; path: string; name?: string };
      sourceNowAt?: string;
      error?: { code?: string; message?: string };
    };
    source?: Record<string, unknown>;
    quarantine?: { path: string; reportPath: string };
    [key: string]: unknown;
  };
};

/** Waits for `count` messages at the named debug nodes of an example; a timeout fails naming what arrived. */
export async function collect(example: PreparedExample, debugNames: string[], count: number, ms = 30_000): Promise<{ name: string; msg: ExampleMsg }[]> {
  const ids = debugNames.map((n) => example.byName('debug', n).id);
  const arrivals = new Arrivals<ExampleMsg>(ids);
  const got: { name: string; msg: ExampleMsg }[] = [];
  const deadline = Date.now() + ms;
  while (got.length < count) {
    const left = deadline - Date.now();
    const next = await Promise.race([arrivals.next(), new Promise<undefined>((r) => setTimeout(r, Math.max(0, left)))]);
    if (!next)
      throw new Error(
        `waited ${ms} ms for ${count} messages at ${debugNames.join(', ')}, got ${JSON.stringify(got.map((g) => [g.name, g.msg.filebridge?.audit?.source?.name, g.msg.filebridge?.audit?.error]))}`,
      );
    got.push({ name: debugNames[ids.indexOf(next.id)], msg: next.msg });
  }
  return got;
}

/** A document or folder as the Content Server simulator's `GET /__sim/nodes/{id}` shows it. */
export type CsSimNode = {
  id: number;
  parent_id: number;
  name: string;
  description: string;
  owner_user_id: number;
  versions: { sha256: string; file_size: number }[];
  categories: Record<string, Record<string, unknown>>;
};

/** The records-management side of the Content Server simulator (`GET /__sim/records`). */
export type CsSimRecords = {
  classifications: Record<string, { class_id: number }[]>;
  holds: Record<string, number[]>;
  permissions: Record<string, { type: string; right_id: number | null; permissions: string[] }[]>;
  processes: { process_id: number; workflow_id: number; doc_ids: number[]; comment: string; initiator: number }[];
};

/** Reads the Content Server simulator through its inspection endpoints. */
export function csInspection(sim: () => ContentServerSim): {
  node(id: number): Promise<CsSimNode>;
  pathOf(id: number): Promise<string>;
  records(): Promise<CsSimRecords>;
} {
  const node = async (id: number): Promise<CsSimNode> => {
    const res = await fetch(`${sim().url}/__sim/nodes/${id}`);
    if (res.status !== 200) throw new Error(`simulator node ${id}: ${res.status}`);
    return (await res.json()) as CsSimNode;
  };
  return {
    node,
    async pathOf(id) {
      const names: string[] = [];
      for (let n = await node(id); ; n = await node(n.parent_id)) {
        names.unshift(n.name);
        if (n.parent_id === 2000 || n.parent_id === -1) break;
      }
      return names.join('/');
    },
    async records() {
      return (await (await fetch(`${sim().url}/__sim/records`)).json()) as CsSimRecords;
    },
  };
}

/**
 * The Dropbox simulator's files through `GET /_sim/state`: every entry of the personal space (or of
 * the team space with `root: 'team'`) by its lower-case path.
 */
export async function dropboxState(sim: DropboxSim, root: 'home' | 'team' = 'home'): Promise<Map<string, DropboxSimFile>> {
  const res = await fetch(`${sim.url}/_sim/state`);
  if (res.status !== 200) throw new Error(`Dropbox simulator state: ${res.status}`);
  const state = (await res.json()) as { namespaces: { kind: 'home' | 'team_root'; entries: DropboxSimFile[] }[] };
  const ns = state.namespaces.find((n) => n.kind === (root === 'team' ? 'team_root' : 'home'));
  if (!ns) throw new Error(`the Dropbox simulator has no ${root} space`);
  return new Map(ns.entries.map((e) => [e.path_lower, e]));
}

/** Drops a file into Dropbox as a collaborator would, through `POST /_sim/files` (a new rev, seen by cursors). */
export async function dropFile(sim: DropboxSim, path: string, content: string | Buffer, root: 'home' | 'team' = 'home'): Promise<DropboxSimFile> {
  const query = new URLSearchParams({ path, ...(root === 'team' ? { root: 'team' } : {}) });
  const res = await fetch(`${sim.url}/_sim/files?${query.toString()}`, {
    method: 'POST',
    body: new Uint8Array(typeof content === 'string' ? Buffer.from(content) : content),
  });
  if (res.status !== 200) throw new Error(`dropping ${path} into the Dropbox simulator: ${res.status} ${await res.text()}`);
  return (await res.json()) as DropboxSimFile;
}

export interface DropboxExampleRig {
  /** The Dropbox simulator of the running test (a fresh one per test). */
  dropbox(): DropboxSim;
  /** The Content Server simulator of the block. */
  cs(): ContentServerSim;
  /** Loads an example pointed at both simulators (plus extra node modules, e.g. context stores). */
  load(relPath: string, extra?: unknown[]): Promise<PreparedExample>;
}

/**
 * The setup of Dropbox example tests: call it in a describe block. Starts the Content Server
 * simulator for the block, a Dropbox simulator per test (stopped after it), and a Node-RED test
 * runtime around every test.
 */
export function dropboxExampleRig(options: DropboxSimOptions = {}): DropboxExampleRig {
  const { sim } = simulatorAndNodeRed();
  let dbx: DropboxSim | undefined;
  beforeEach(async () => {
    dbx = await startDropboxSim(options);
  });
  afterEach(async () => {
    // simulatorAndNodeRed's afterEach, registered before this one, has stopped the flows already.
    await dbx?.stop();
    dbx = undefined;
  });
  const dropbox = (): DropboxSim => {
    if (!dbx) throw new Error('The Dropbox simulator runs inside tests only');
    return dbx;
  };
  return {
    dropbox,
    cs: () => sim,
    async load(relPath, extra = []) {
      const d = dropbox();
      const example = prepareDropboxExample(relPath, { dropbox: { url: d.url, appKey: d.appKey, refreshToken: d.refreshToken }, csApiBase: sim.apiBase });
      await loadFlow([...EXAMPLE_NODES, ...coreNodes(), ...extra], example.flow, example.credentials);
      return example;
    },
  };
}
