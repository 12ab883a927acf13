import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import { FileBridgeError, errorMessage } from '../core/errors';
import { isCsAction, runCsAction, summarize, type CsActionRequest, type Param } from '../core/content-server/node-action';
import type { ApplyTo } from '../core/content-server/governance';
import { failMessage } from './failure';
import { csClientOf, csConnectionOf } from './cs-connection-node';
import { shortStatus } from './status';

/** A deployed `filebridge-cs-connection` config node as this node sees it. */

/** Settings that are TypedInputs: `<name>` holds the value, `<name>Type` its type. */
const TYPED = ['nodeId', 'categories', 'classification', 'holds', 'permissions', 'members', 'workflowMap', 'comment', 'destination', 'newName', 'target'] as const;
type Typed = (typeof TYPED)[number];

const LABELS: Record<Typed, string> = {
  nodeId: 'Node id',
  categories: 'Categories',
  classification: 'Classification',
  holds: 'Holds',
  permissions: 'Permissions',
  members: 'Members',
  workflowMap: 'Workflow map',
  comment: 'Comment',
  destination: 'Destination',
  newName: 'New name',
  target: 'Target',
};

/** Which settings each action reads, so a leftover expression of another action is never evaluated. */
const USES: Record<string, Typed[]> = {
  categories: ['categories'],
  classify: ['classification'],
  hold: ['holds'],
  release: ['holds'],
  permissions: ['permissions', 'members'],
  workflow: ['workflowMap', 'comment'],
  move: ['destination'],
  rename: ['newName'],
  'apply-target': ['target'],
};

type ActionNodeDef = NodeDef & Partial<Record<Typed | `${Typed}Type`, string>> & {
  connection: string;
  action: string;
  permissionMode?: string;
  applyTo?: string | number;
  createFolders?: boolean;
  classificationRoot?: string | number;
};

type ActionMessage = NodeMessageInFlow & { filebridge?: Record<string, unknown> };

function register(RED: NodeAPI): void {
  function evaluate(node: Node, value: string, type: string, msg: ActionMessage): Promise<unknown> {
    return new Promise((resolve, reject) => {
      try {
        RED.util.evaluateNodeProperty(value, type, node, msg, (err: Error | null, result: unknown) => (err ? reject(err) : resolve(result)));
      } catch (err) {
        reject(err);
      }
    });
  }

  function FileBridgeCsAction(this: Node, def: ActionNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const connection = csConnectionOf(RED, node, def.connection);

    /** A setting as a Param; an empty setting is undefined (then msg.filebridge.target may supply it). */
    async function setting(name: Typed, msg: ActionMessage): Promise<Param | undefined> {
      const value = def[name] ?? '';
      const type = def[`${name}Type`] || 'str';
      if (value === '') return undefined;
      const from = type === 'msg' || type === 'flow' || type === 'global' ? `${type}.${value}` : `the "${LABELS[name]}" setting`;
      try {
        return { value: await evaluate(node, value, type, msg), from };
      } catch (err) {
        // msg.filebridge.cs.id on a message without msg.filebridge: missing, which the action reports by name.
        if (type === 'msg' && err instanceof TypeError) return { value: undefined, from };
        throw new FileBridgeError('INVALID_INPUT', `${from} could not be read: ${errorMessage(err)}`, { field: from });
      }
    }

    node.on('input', (msg: ActionMessage, send, done) => {
      void (async () => {
        const client = csClientOf(connection);
        const action = def.action;
        if (!isCsAction(action)) throw new FileBridgeError('INVALID_INPUT', `Unknown action '${String(action)}': open the node and choose one`);
        const nodeId = (await setting('nodeId', msg)) ?? { value: undefined, from: `the "${LABELS.nodeId}" setting` };
        const req: CsActionRequest = {
          action,
          nodeId,
          target: msg.filebridge?.target,
          permissionMode: def.permissionMode === 'revoke' ? 'revoke' : 'grant',
          applyTo: (Number(def.applyTo) || 0) as ApplyTo,
          createFolders: def.createFolders === true,
          classificationRoot: def.classificationRoot === undefined || def.classificationRoot === '' ? undefined : Number(def.classificationRoot),
        };
        const uses = action === 'permissions' ? [req.permissionMode === 'revoke' ? 'members' as const : 'permissions' as const] : USES[action];
        for (const name of uses) {
          const p = await setting(name, msg);
          if (p) req[name === 'target' ? 'applyTarget' : name] = p;
        }
        node.status({ fill: 'blue', shape: 'dot', text: shortStatus(`${action} ${String(nodeId.value ?? '')}`) });
        const outcome = await runCsAction(client, req);
        msg.filebridge = { ...(msg.filebridge ?? {}), action: outcome };
        node.status({ fill: 'green', shape: 'dot', text: summarize(outcome) });
        send(msg);
        done();
      })().catch((err: unknown) => failMessage(node, msg, err, done));
    });
  }

  RED.nodes.registerType('filebridge-cs-action', FileBridgeCsAction);
}

export = register;
