import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import { FileBridgeError, errorMessage } from '../core/errors';
import {
  actionFromConfig,
  actionRequestFromConfig,
  settingOf,
  settingOrigin,
  settingsReadBy,
  type ActionConfigFields,
  type ActionSetting,
} from '../core/content-server/action-config';
import { runCsAction, summarize, type Param } from '../core/content-server/action-request';
import { receivedFacts, withFacts, type FileBridgeMessage } from '../core/message';
import { csClientOf, csConnectionOf } from './kit/cs-connection';
import { evaluateProperty } from './kit/evaluate';
import { failMessage } from './kit/failure';
import { shortStatus } from './kit/status';

type ActionNodeDef = NodeDef & ActionConfigFields & { connection: string };
type ActionMessage = NodeMessageInFlow & FileBridgeMessage;

function register(RED: NodeAPI): void {
  function FileBridgeCsAction(this: Node, def: ActionNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const connection = csConnectionOf(RED, node, def.connection);

    /** A setting as a Param; an empty setting is undefined (then msg.filebridge.target may supply it). */
    async function setting(name: ActionSetting, msg: ActionMessage): Promise<Param | undefined> {
      const set = settingOf(def, name);
      if (!set) return undefined;
      const from = settingOrigin(name, set.value, set.type);
      try {
        return { value: await evaluateProperty(RED, node, msg, set.value, set.type), from };
      } catch (err) {
        // msg.filebridge.cs.id on a message without msg.filebridge: missing, which the action reports by name.
        if (set.type === 'msg' && err instanceof TypeError) return { value: undefined, from };
        throw new FileBridgeError('INVALID_INPUT', `${from} could not be read: ${errorMessage(err)}`, { field: from });
      }
    }

    node.on('input', (msg: ActionMessage, send, done) => {
      void (async () => {
        const client = csClientOf(connection);
        const action = actionFromConfig(def);
        const evaluated: Partial<Record<ActionSetting, Param>> = { nodeId: await setting('nodeId', msg) };
        for (const name of settingsReadBy(action, def)) evaluated[name] = await setting(name, msg);
        const req = actionRequestFromConfig(def, action, evaluated, receivedFacts(msg).target);
        node.status({ fill: 'blue', shape: 'dot', text: shortStatus(`${action} ${String(req.nodeId.value ?? '')}`) });
        const outcome = await runCsAction(client, req);
        msg.filebridge = withFacts(msg, { action: outcome });
        node.status({ fill: 'green', shape: 'dot', text: summarize(outcome) });
        send(msg);
        done();
      })().catch((err: unknown) => failMessage(node, msg, err, done));
    });
  }

  RED.nodes.registerType('filebridge-cs-action', FileBridgeCsAction);
}

export = register;
