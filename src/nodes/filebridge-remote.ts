import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import { FileBridgeError } from '../core/errors';
import { receivedFacts, withFacts, type FileBridgeMessage } from '../core/message';
import { remoteOptionsFromConfig, type RemoteConfigFields } from '../core/remote/remote-config';
import { isRemoteOperation, remoteFactsMessage, runRemoteRequest, sourceMtimeOf } from '../core/remote/remote-request';
import { evaluateProperty } from './kit/evaluate';
import { failMessage } from './kit/failure';
import { serverNodeOf, showServerAtDeploy, usableServer } from './kit/server';
import { shortStatus, statusForPool } from './kit/status';

type RemoteNodeDef = NodeDef & RemoteConfigFields & { server: string };

type RemoteMessage = NodeMessageInFlow &
  FileBridgeMessage & {
    operation?: unknown;
    path?: unknown;
    destination?: unknown;
  };

function register(RED: NodeAPI): void {
  function FileBridgeRemote(this: Node, def: RemoteNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const server = serverNodeOf(RED, def.server);
    const options = remoteOptionsFromConfig(def);
    showServerAtDeploy(node, server);
    const unsubscribe = server?.pool?.onState((state) => node.status(statusForPool(state)));

    node.on('input', (msg: RemoteMessage, send, done) => {
      void (async () => {
        const { pool, label } = usableServer(RED, def.server, 'No server is selected: open the node and choose a server configuration.');
        const operation = msg.operation === undefined ? def.operation : msg.operation;
        if (!isRemoteOperation(operation)) {
          throw new FileBridgeError(
            'INVALID_INPUT',
            `Unknown operation "${String(operation)}" (from ${msg.operation === undefined ? 'the node' : 'msg.operation'}): use list, stat, get, put, move, delete or mkdir.`,
          );
        }
        const path = msg.path !== undefined ? msg.path : await evaluateProperty(RED, node, msg, def.path ?? '', def.pathType || 'str');
        // Only move has a destination; a leftover expression must not break other operations.
        const destination =
          operation !== 'move'
            ? undefined
            : msg.destination !== undefined
              ? msg.destination
              : await evaluateProperty(RED, node, msg, def.destination ?? '', def.destinationType || 'str');
        if (typeof path !== 'string') throw new FileBridgeError('INVALID_INPUT', `The path must be a text, got ${typeof path}. Check "Path" or msg.path.`);
        if (destination !== undefined && destination !== '' && typeof destination !== 'string') {
          throw new FileBridgeError('INVALID_INPUT', `The destination must be a text, got ${typeof destination}. Check "Destination" or msg.destination.`);
        }
        node.status({ fill: 'blue', shape: 'dot', text: shortStatus(`${operation} ${path}`) });
        const outcome = await runRemoteRequest(pool, {
          operation,
          path,
          destination: destination || undefined,
          filename: msg.filename,
          payload: msg.payload,
          mtime: operation === 'put' ? sourceMtimeOf(receivedFacts(msg)) : undefined,
          ...options,
        });
        for (const warning of outcome.warnings ?? []) node.warn(warning);
        if (outcome.replacePayload) msg.payload = outcome.payload;
        if (outcome.filename !== undefined) msg.filename = outcome.filename;
        msg.filebridge = withFacts(msg, remoteFactsMessage(outcome, label));
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
