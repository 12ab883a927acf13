import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { ServerCredentials } from '../../src/core/remote/server-config';
import type { Protocol } from '../../src/core/remote/types';
import type { RestTarget } from '../sim/rest';

/** One node of an exported flow, as Node-RED's admin API takes and returns it. */
export interface FlowNode {
  id: string;
  type: string;
  z?: string;
  [property: string]: unknown;
}

export interface Example {
  /** Path below `examples/` without `.json`, as Node-RED's Import > Examples menu shows it. */
  name: string;
  nodes: FlowNode[];
}

/** Where a protocol's sandbox server listens and how to log in. */
export interface Endpoint {
  host: string;
  port: number;
  username: string;
  credentials: ServerCredentials;
}

/** The sandbox's Content Server (the simulator) and the login the examples use. */
export interface ContentServerTarget {
  /** REST API base, e.g. `http://127.0.0.1:8181/otcs/cs.exe/api`. */
  baseUrl: string;
  username: string;
  password: string;
}

/** The sandbox's Dropbox (the simulator): where Dropbox server configurations point and how they sign in. */
export interface DropboxTarget {
  /** The simulator's base URL, set as the configuration's service URL. */
  url: string;
  appKey: string;
  /** Stored as the configuration's `refreshToken` credential, as "Connect to Dropbox" would. */
  refreshToken: string;
}

/** The sandbox's File 360 (the simulator): where File 360 server configurations point and how they sign in. */
export interface File360Target {
  /** The simulator's base URL, set as the configuration's API URL. */
  apiUrl: string;
  /** The same server, serving the token endpoint: the configuration's SSO URL. */
  ssoUrl: string;
  clientId: string;
  /** Stored as the configuration's `clientSecret` credential (the client-credentials grant). */
  clientSecret: string;
}

/** What the example config nodes need to point at the sandbox's own servers. */
export interface SandboxTargets {
  /** Where `filebridge-server` nodes with protocol dropbox go; undefined disables the Dropbox examples. */
  dropbox?: DropboxTarget;
  /** Where `filebridge-server` nodes with protocol file360 go; undefined disables the File 360 examples. */
  file360?: File360Target;
  /** Where `filebridge-rest-connection` nodes go (the REST simulator); undefined disables the xConnector examples. */
  rest?: RestTarget;
  /** Where `filebridge-cs-connection` nodes go; undefined disables the examples that have one. */
  contentServer?: ContentServerTarget;
  /** Why there is no Content Server in this sandbox. */
  contentServerMissing?: string;
  endpoints: Partial<Record<Protocol, Endpoint>>;
  /** Why a protocol has no server in this sandbox (shown in the disabled tab's info). */
  missing: Partial<Record<Protocol, string>>;
  /** sshd's ed25519 fingerprint, pinned so the examples show host key checking switched on. */
  hostKey: string | undefined;
  /** The test CA the FTPS certificates chain to. */
  caPem: string | undefined;
}

export interface PreparedExample {
  name: string;
  prefix: string;
  tabId: string;
  tabLabel: string;
  /** Why the tab is disabled, or undefined when it runs. */
  disabledBecause: string | undefined;
  nodes: FlowNode[];
}

function isFlowNode(value: unknown): value is FlowNode {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return typeof v.id === 'string' && v.id !== '' && typeof v.type === 'string';
}

async function jsonFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await jsonFiles(full)));
    else if (entry.isFile() && entry.name.endsWith('.json')) found.push(full);
  }
  return found;
}

/**
 * Every `examples/**\/*.json`, sorted by name so each example keeps its prefix from one start to
 * the next (bookmarked editor links keep working).
 */
export async function loadExamples(examplesDir: string): Promise<Example[]> {
  const files = (await jsonFiles(examplesDir)).sort();
  const examples: Example[] = [];
  for (const file of files) {
    const name = relative(examplesDir, file)
      .split(sep)
      .join('/')
      .replace(/\.json$/, '');
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(file, 'utf8'));
    } catch (err) {
      throw new Error(`Example ${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
    if (!Array.isArray(parsed) || !parsed.every(isFlowNode)) {
      throw new Error(`Example ${file} is not a flow export (a JSON array of nodes with "id" and "type").`);
    }
    examples.push({ name, nodes: parsed });
  }
  return examples;
}

function remapStrings(value: unknown, map: (s: string) => string | undefined): unknown {
  if (typeof value === 'string') return map(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => remapStrings(v, map));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, remapStrings(v, map)]));
  }
  return value;
}

/**
 * Gives every node of one example the prefix, and every reference to one of them too. References
 * hide in many shapes (`z`, `wires`, a config node in `server`, catch/status `scope`, link `links`,
 * group `nodes`, `g`), and new node types add more, so any string anywhere that equals one of this
 * example's ids is taken as a reference. `type` is skipped: a type name is never a reference, even
 * if some example happened to use it as an id.
 */
export function prefixIds(nodes: readonly FlowNode[], prefix: string): FlowNode[] {
  const ids = new Set(nodes.map((n) => n.id));
  const map = (s: string): string | undefined => (ids.has(s) ? prefix + s : undefined);
  return nodes.map((node) => {
    const out: FlowNode = { id: prefix + node.id, type: node.type };
    for (const [key, value] of Object.entries(node)) {
      if (key === 'id' || key === 'type') continue;
      out[key] = remapStrings(value, map);
    }
    return out;
  });
}

const PROTOCOL_LABELS: Readonly<Record<Protocol, string>> = {
  sftp: 'SFTP',
  ftp: 'FTP',
  'ftps-explicit': 'FTPS (explicit)',
  'ftps-implicit': 'FTPS (implicit)',
  dropbox: 'Dropbox',
  file360: 'File 360',
};

function isProtocol(value: unknown): value is Protocol {
  return typeof value === 'string' && Object.hasOwn(PROTOCOL_LABELS, value);
}

/**
 * Points an example's `filebridge-server`, `filebridge-cs-connection` and `filebridge-rest-connection`
 * config nodes at the sandbox's servers, Content Server simulator and REST simulator. An example whose protocol has no server here is
 * still deployed (people can read it in the editor) but its tab and config nodes are disabled, so
 * nothing tries to reach the partner host the example names.
 */
export function prepareExample(example: Example, index: number, targets: SandboxTargets): PreparedExample {
  const prefix = `sbx${index + 1}-`;
  const nodes = prefixIds(example.nodes, prefix);
  const tab = nodes.find((n) => n.type === 'tab');
  if (!tab) throw new Error(`Example "${example.name}" has no tab node; every example must be one flow tab.`);

  const reasons: string[] = [];
  const prepared = nodes.map((node): FlowNode => {
    if (node.type === 'filebridge-cs-connection') {
      const cs = targets.contentServer;
      if (!cs) {
        reasons.push(`Content Server: ${targets.contentServerMissing ?? 'no Content Server in this sandbox'}`);
        return { ...node, d: true };
      }
      // Password login whatever the example shows (OTDS, a ticket): the simulator's user is the
      // one account that exists here. Classification root, category templates and the like are
      // the example's own: they name ids of the simulator's seed.
      return {
        ...node,
        baseUrl: cs.baseUrl,
        authMode: 'password',
        username: cs.username,
        otdsUrl: '',
        clientId: '',
        credentials: { password: cs.password },
      };
    }
    if (node.type === 'filebridge-rest-connection') {
      const rest = targets.rest;
      if (!rest) {
        reasons.push('REST API: no REST simulator in this sandbox');
        return { ...node, d: true };
      }
      // The authentication stays the example's own (so each example shows its kind); only what an
      // integrator types for their API changes: the base URL and the login of that kind, the secret
      // through the admin API into Node-RED's credential store (never flows.json).
      const own = { ...node, baseUrl: rest.apiUrl };
      switch (node.authType) {
        case 'basic':
          return { ...own, username: rest.user, credentials: { password: rest.password } };
        case 'bearer':
          return { ...own, credentials: { token: rest.bearerToken } };
        case 'apiKey':
          return { ...own, credentials: { apiKey: rest.apiKey } };
        case 'oauth2':
          return { ...own, tokenUrl: rest.tokenUrl, clientId: rest.clientId, scope: '', credentials: { clientSecret: rest.clientSecret } };
        default:
          return own;
      }
    }
    if (node.type !== 'filebridge-server') return node;
    const protocol = node.protocol;
    if (!isProtocol(protocol)) {
      reasons.push(`its server "${String(node.name ?? node.id)}" has an unknown protocol "${String(protocol)}"`);
      return { ...node, d: true };
    }
    if (protocol === 'dropbox') {
      const dropbox = targets.dropbox;
      if (!dropbox) {
        reasons.push(`Dropbox: ${targets.missing.dropbox ?? 'no Dropbox simulator in this sandbox'}`);
        return { ...node, d: true };
      }
      // Team space and every other setting stay as the example has them; only what an integrator
      // changes for their own account is set: the service URL (blank = Dropbox itself), the app key,
      // and the sign-in, through the admin API into Node-RED's credential store (never flows.json).
      return { ...node, serviceUrl: dropbox.url, appKey: dropbox.appKey, credentials: { refreshToken: dropbox.refreshToken } };
    }
    if (protocol === 'file360') {
      const file360 = targets.file360;
      if (!file360) {
        reasons.push(`File 360: ${targets.missing.file360 ?? 'no File 360 simulator in this sandbox'}`);
        return { ...node, d: true };
      }
      // Only what an integrator changes for their own tenant: the API and SSO URLs, the OAuth client,
      // and its secret, through the admin API into Node-RED's credential store (never flows.json). The
      // user stays empty (client-credentials grant), as the examples have it.
      return {
        ...node,
        apiUrl: file360.apiUrl,
        ssoUrl: file360.ssoUrl,
        clientId: file360.clientId,
        username: '',
        credentials: { clientSecret: file360.clientSecret },
      };
    }
    const endpoint = targets.endpoints[protocol];
    if (!endpoint) {
      reasons.push(`${PROTOCOL_LABELS[protocol]}: ${targets.missing[protocol] ?? 'no server in this sandbox'}`);
      return { ...node, d: true };
    }
    return {
      ...node,
      host: endpoint.host,
      port: String(endpoint.port),
      username: endpoint.username,
      hostKey: targets.hostKey ?? '',
      trustOnFirstUse: false,
      tlsCa: targets.caPem ?? '',
      tlsFingerprint: '',
      // The admin API stores a `credentials` property through Node-RED's credential store, exactly
      // as the editor does when someone types a password; it never lands in flows.json.
      credentials: { ...endpoint.credentials },
    };
  });

  const disabledBecause = reasons.length > 0 ? [...new Set(reasons)].join('; ') : undefined;
  const finalNodes = prepared.map((node): FlowNode => {
    if (node.id !== tab.id || disabledBecause === undefined) return node;
    const info = typeof node.info === 'string' && node.info !== '' ? `\n\n${node.info}` : '';
    return { ...node, disabled: true, info: `**Disabled in this sandbox**: ${disabledBecause}.${info}` };
  });
  return {
    name: example.name,
    prefix,
    tabId: tab.id,
    tabLabel: typeof tab.label === 'string' ? tab.label : example.name,
    disabledBecause,
    nodes: finalNodes,
  };
}

/** Node types the examples use, to check Node-RED knows them all before people wonder why a tab is idle. */
export function usedTypes(examples: readonly PreparedExample[]): string[] {
  const structural = new Set(['tab', 'subflow', 'group', 'junction']);
  const types = new Set<string>();
  for (const example of examples) {
    for (const node of example.nodes) {
      if (!structural.has(node.type) && !node.type.startsWith('subflow:')) types.add(node.type);
    }
  }
  return [...types].sort();
}
