import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Protocol } from '../../src/core/remote/types';
import type { RestTarget } from '../../dev/sim/rest';
import { servers } from './dev-servers';
import { coreNode } from './node-red-under-test';
import { REPO_ROOT } from './runtimes';

export { exampleFiles } from './example-files';

/** Node-RED core node modules the examples use, for node-red-node-test-helper's `load`. */
export function coreNodes(): unknown[] {
  return [
    'common/20-inject.js',
    'common/21-debug.js',
    'common/25-catch.js',
    'common/90-comment.js',
    'function/15-change.js',
    'function/10-switch.js',
    'function/80-template.js',
    'sequence/17-split.js',
  ].map(coreNode);
}

export type FlowNode = Record<string, unknown> & { id: string; type: string; name?: string };

export interface PreparedExample {
  flow: FlowNode[];
  credentials: Record<string, Record<string, string>>;
  /** The node with this type and name (names are how the examples label their steps). */
  byName(type: string, name: string): FlowNode;
}

export interface ExampleTargets {
  /** The Content Server simulator's API base (`startContentServerSim().apiBase`) for `filebridge-cs-connection` nodes. */
  csApiBase?: string;
  /** The File 360 simulator (`startFile360Sim()`) for `filebridge-server` nodes with protocol file360. */
  file360?: File360Target;
  /** The REST simulator (`startRestSim()`, or its CLI's start line) for `filebridge-rest-connection` nodes. */
  rest?: RestTarget;
}

/** What a user types into a File 360 server configuration: the tenant's API and SSO URLs and the OAuth client. */
export interface File360Target {
  apiUrl: string;
  ssoUrl: string;
  clientId: string;
  clientSecret: string;
}

export type { RestTarget };

/** The poll interval (seconds) every watch of an example gets in the tests, when its own is longer. */
export const EXAMPLE_TEST_POLL_SECONDS = 1;

/**
 * Loads an example file as users import it and changes only what a user changes: each server
 * configuration's host, port, user, trust settings and credentials, pointed at the test servers,
 * and each Content Server connection's URL and login, pointed at the simulator (user Admin); each
 * File 360 server configuration's API and SSO URL, client id and client secret (the client-credentials
 * grant: the example leaves *User* empty), pointed at the File 360 simulator; each REST connection's
 * base URL pointed at the REST simulator's API, with the login of the example's own authentication
 * type (user and password, bearer token, API key, or the OAuth2 token URL, client id and secret).
 * Each watch also polls every EXAMPLE_TEST_POLL_SECONDS instead of the example's 5 or 10 s: what an
 * example proves (where files go, what is acked, quarantined or versioned) does not depend on how
 * often it looks, and waiting a whole example poll for every file and re-delivery made the example
 * tests the slowest part of `npm test` (run twice: Node-RED 4 and 5). Its completeness rule
 * (`stable` for 2 s, `age`...) stays as the example has it.
 */
export function prepareExample(relPath: string, targets: ExampleTargets = {}): PreparedExample {
  const flow = JSON.parse(readFileSync(join(REPO_ROOT, 'examples', relPath), 'utf8')) as FlowNode[];
  const s = servers();
  const credentials: Record<string, Record<string, string>> = {};
  for (const node of flow) {
    if (node.type === 'filebridge-watch') {
      const interval = Number(node.intervalSeconds);
      if (!(interval <= EXAMPLE_TEST_POLL_SECONDS)) node.intervalSeconds = EXAMPLE_TEST_POLL_SECONDS;
      continue;
    }
    if (node.type === 'filebridge-cs-connection') {
      if (!targets.csApiBase) throw new Error(`${relPath} has a Content Server connection: pass { csApiBase } to prepareExample`);
      Object.assign(node, { baseUrl: targets.csApiBase, authMode: 'password', username: 'Admin', otdsUrl: '', clientId: '' });
      credentials[node.id] = { password: 'livelink' };
      continue;
    }
    if (node.type === 'filebridge-rest-connection') {
      if (!targets.rest) throw new Error(`${relPath} has a REST connection: pass { rest } to prepareExample`);
      const r = targets.rest;
      node.baseUrl = r.apiUrl;
      switch (node.authType) {
        case 'basic':
          node.username = r.user;
          credentials[node.id] = { password: r.password };
          break;
        case 'bearer':
          credentials[node.id] = { token: r.bearerToken };
          break;
        case 'apiKey':
          credentials[node.id] = { apiKey: r.apiKey };
          break;
        case 'oauth2':
          Object.assign(node, { tokenUrl: r.tokenUrl, clientId: r.clientId, scope: '' });
          credentials[node.id] = { clientSecret: r.clientSecret };
          break;
        default:
          break;
      }
      continue;
    }
    if (node.type !== 'filebridge-server') continue;
    if (node.protocol === 'file360') {
      if (!targets.file360) throw new Error(`${relPath} has a File 360 server configuration: pass { file360 } to prepareExample`);
      const { apiUrl, ssoUrl, clientId, clientSecret } = targets.file360;
      Object.assign(node, { apiUrl, ssoUrl, clientId });
      credentials[node.id] = { clientSecret };
      continue;
    }
    const protocol = node.protocol as Protocol;
    const server = protocol === 'sftp' ? s.sftp : protocol === 'ftps-implicit' ? s.ftpsImplicit : s.ftp;
    Object.assign(node, { host: server.host, port: String(server.port), username: s.username });
    if (protocol === 'sftp') node.hostKey = s.sftp.hostKeyFingerprints.ed25519;
    if (protocol.startsWith('ftps')) node.tlsCa = s.certs.ca.cert.pem;
    credentials[node.id] = { password: s.password };
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
