import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import { FileBridgeError } from '../core/errors';
import { BatchCollector, batchItem, batchKey, type BatchSettings } from '../core/pipeline/batch';
import { batchSettingsFromConfig, type BatchConfigFields } from '../core/pipeline/batch-config';
import type { FileBridgeFacts } from '../core/message';
import { contextStore, missingStoreOf, missingStoreStatus, type CallbackContext } from './kit/context-store';
import { evaluateProperty } from './kit/evaluate';
import { failMessage } from './kit/failure';

type BatchNodeDef = NodeDef & BatchConfigFields;

function register(RED: NodeAPI): void {
  function FileBridgeBatch(this: Node, def: BatchNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let settings: BatchSettings;
    try {
      settings = batchSettingsFromConfig(def);
    } catch (err) {
      node.error(err instanceof Error ? err.message : String(err));
      node.status({ fill: 'red', shape: 'ring', text: 'INVALID_INPUT' });
      return;
    }
    const store = def.store ? def.store : undefined;
    const missingStore = missingStoreOf(RED, store);
    const property = def.property || 'payload';
    let sent = 0;

    const showStatus = (): void => {
      const { batches, items } = collector.open;
      const text = batches > 0 ? `${batches} open (${items} items), ${sent} sent` : `${sent} sent`;
      if (missingStore) node.status(missingStoreStatus(missingStore, text));
      else node.status({ fill: batches > 0 ? 'blue' : 'green', shape: batches > 0 ? 'ring' : 'dot', text });
    };

    const collector = new BatchCollector(contextStore(node.context() as unknown as CallbackContext, store), settings, (batch) => {
      const filebridge: FileBridgeFacts = {
        batch: { key: batch.key, count: batch.items.length, firstAt: batch.firstAt, lastAt: batch.lastAt, reason: batch.reason },
      };
      sent++;
      node.send({ _msgid: RED.util.generateId(), payload: batch.items, topic: batch.key, filebridge } as unknown as NodeMessageInFlow);
      setImmediate(showStatus);
    });
    collector.ready.then(showStatus, (err: unknown) => {
      node.error(`The open batches could not be read from context store "${store ?? 'default'}": ${err instanceof Error ? err.message : String(err)}`);
      node.status({ fill: 'red', shape: 'ring', text: 'store unreadable' });
    });

    node.on('input', (msg: NodeMessageInFlow, _send, done) => {
      void (async () => {
        const rawKey = await evaluateProperty(RED, node, msg, def.key ?? 'topic', def.keyType || 'msg');
        const key = batchKey(rawKey, `The batch key (${def.keyType || 'msg'}.${def.key ?? 'topic'})`);
        const item = batchItem(RED.util.getMessageProperty(msg, property), `msg.${property}`, settings.maxItemBytes);
        await collector.add(key, item).catch((err: unknown) => {
          throw err instanceof FileBridgeError
            ? err
            : new FileBridgeError('CONNECTION', `The batch could not be saved in context store "${store ?? 'default'}": ${String(err)}`, {}, { cause: err });
        });
        showStatus();
        done();
      })().catch((err: unknown) => failMessage(node, msg, err, done));
    });

    node.on('close', (done: () => void) => {
      collector.close();
      done();
    });
  }

  RED.nodes.registerType('filebridge-batch', FileBridgeBatch);
}

export = register;
