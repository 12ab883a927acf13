import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import { FileBridgeError } from '../core/errors';
import { CONFLICT_POLICIES, ConflictPolicy } from '../core/remote/operations';
import { GetOutput, RemoteOperation, isRemoteOperation, runRemoteRequest } from '../core/remote/remote-request';
import type { ServerNode } from './server-node';
import { shortStatus, statusForPool } from './status';
import { failMessage } from './failure';

type RemoteNodeDef = NodeDef & {
  server: string;
  operation: RemoteOperation;
  path: string;
  pathType: string;
  destination: string;
  destinationType: string;
  glob: string;
  recursive: boolean;
  maxDepth: string | number;
  includeFolders: boolean;
  includeDotFiles: boolean;
  output: GetOutput;
  maxBufferMB: string | number;
  conflict: ConflictPolicy;
  createFolders: boolean;
  atomic: boolean;
  verifySize: boolean;
  doneSuffix: string;
  overwrite: boolean;
  missingOk: boolean;
  deleteFolders: boolean;
};

type FileBridgeMessage = NodeMessageInFlow & {
  operation?: unknown;
  path?: unknown;
  destination?: unknown;
  filename?: unknown;
  filebridge?: Record<string, unknown>;
};

function register(RED: NodeAPI): void {
  function evaluate(node: Node, value: string, type: string, msg: FileBridgeMessage): Promise<unknown> {
    return new Promise((resolve, reject) => {
      RED.util.evaluateNodeProperty(value, type || 'str', node, msg, (err: Error | null, result: unknown) => (err ? reject(err) : resolve(result)));
    });
  }

  function FileBridgeRemote(this: Node, def: RemoteNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const server = RED.nodes.getNode(def.server) as ServerNode | null;
    const maxDepth = def.maxDepth === '' || def.maxDepth === undefined ? undefined : Number(def.maxDepth);
    const maxBufferBytes = Math.round((Number(def.maxBufferMB) || 16) * 1024 * 1024);

    if (!server) {
      node.status({ fill: 'red', shape: 'ring', text: 'no server configured' });
    } else if (server.configError) {
      node.status({ fill: 'red', shape: 'ring', text: server.configError.code });
    }
    const unsubscribe = server?.pool?.onState((state) => node.status(statusForPool(state)));

    node.on('input', (msg: FileBridgeMessage, send, done) => {
      void (async () => {
        if (!server) throw new FileBridgeError('INVALID_INPUT', 'No server is selected: open the node and choose a server configuration.');
        if (server.configError) throw server.configError;
        if (!server.pool) throw new FileBridgeError('CONNECTION', 'The server configuration is stopping (redeploy in progress).');
        const operation = msg.operation === undefined ? def.operation : msg.operation;
        if (!isRemoteOperation(operation)) {
          throw new FileBridgeError('INVALID_INPUT', `Unknown operation "${String(operation)}" (from ${msg.operation === undefined ? 'the node' : 'msg.operation'}): use list, stat, get, put, move, delete or mkdir.`);
        }
        const path = msg.path !== undefined ? msg.path : await evaluate(node, def.path, def.pathType, msg);
        // Only move has a destination; a leftover expression must not break other operations.
        const destination = operation !== 'move' ? undefined
          : msg.destination !== undefined ? msg.destination : await evaluate(node, def.destination, def.destinationType, msg);
        if (typeof path !== 'string') throw new FileBridgeError('INVALID_INPUT', `The path must be a text, got ${typeof path}. Check "Path" or msg.path.`);
        if (destination !== undefined && destination !== '' && typeof destination !== 'string') {
          throw new FileBridgeError('INVALID_INPUT', `The destination must be a text, got ${typeof destination}. Check "Destination" or msg.destination.`);
        }
        node.status({ fill: 'blue', shape: 'dot', text: shortStatus(`${operation} ${path}`) });
        const outcome = await runRemoteRequest(server.pool, {
          operation,
          path,
          destination: destination || undefined,
          filename: msg.filename,
          payload: msg.payload,
          list: { glob: def.glob || undefined, recursive: Boolean(def.recursive), maxDepth, includeFolders: Boolean(def.includeFolders), includeDotFiles: Boolean(def.includeDotFiles) },
          get: { output: def.output || 'auto', maxBufferBytes },
          put: {
            conflict: CONFLICT_POLICIES.includes(def.conflict) ? def.conflict : 'fail',
            createFolders: def.createFolders !== false,
            atomic: def.atomic !== false,
            verifySize: def.verifySize !== false,
            doneSuffix: def.doneSuffix || '',
          },
          move: { overwrite: Boolean(def.overwrite), createFolders: def.createFolders !== false },
          delete: { missingOk: Boolean(def.missingOk), folders: Boolean(def.deleteFolders) },
        });
        if (outcome.replacePayload) msg.payload = outcome.payload;
        if (outcome.filename !== undefined) msg.filename = outcome.filename;
        msg.filebridge = { ...(msg.filebridge ?? {}), [outcome.key]: { server: server.label, ...(outcome.facts as object | null ?? { exists: false }) } };
        node.status({ fill: 'green', shape: 'dot', text: shortStatus(`${operation}: ${outcome.summary}`) });
        send(msg);
        done();
      })().catch((err: unknown) => failMessage(node, msg, err, done));
    });

    node.on('close', (done: () => void) => {
      unsubscribe?.();
      done();
    });
  }

  RED.nodes.registerType('filebridge-remote', FileBridgeRemote);
}

export = register;
