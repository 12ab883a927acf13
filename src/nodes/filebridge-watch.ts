import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import { Readable } from 'node:stream';
import { FileBridgeError } from '../core/errors';
import type { FileBridgeFacts } from '../core/message';
import { Ledger } from '../core/pipeline/ledger';
import { registerWatch } from '../core/pipeline/running-watches';
import { sourceFactsFor, type SourceOrigin } from '../core/pipeline/source';
import { openPayload } from '../core/pipeline/source-stream';
import { watchDeliveryFromConfig, watchSettingsFromConfig, type WatchConfigFields } from '../core/pipeline/watch-config';
import { Watcher, type ClaimedFile } from '../core/pipeline/watcher';
import { contextStore, missingStoreOf, missingStoreStatus, type CallbackContext } from './kit/context-store';
import { serverNodeOf, showServerAtDeploy } from './kit/server';

type WatchNodeDef = NodeDef & WatchConfigFields & { server: string };

function register(RED: NodeAPI): void {
  function FileBridgeWatch(this: Node, def: WatchNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const server = serverNodeOf(RED, def.server);
    const fail = (text: string): void => node.status({ fill: 'red', shape: 'ring', text });
    if (!showServerAtDeploy(node, server) || !server) return;
    if (!server.pool || !server.endpoint) return fail('server unusable');
    const pool = server.pool;
    const endpoint = server.endpoint;

    let settings;
    try {
      settings = watchSettingsFromConfig(def);
    } catch (err) {
      node.error(err instanceof Error ? err.message : String(err));
      return fail('INVALID_INPUT');
    }
    const { intervalMs, delivery, ledger: ledgerSettings } = watchDeliveryFromConfig(def);
    // Global scope and a prefix per server folder: every watch of that folder (and, with a shared
    // store such as Redis, every runtime) sees what was processed.
    const ledger = ledgerSettings
      ? new Ledger(
          contextStore(node.context().global as unknown as CallbackContext, ledgerSettings.store),
          Ledger.prefixFor(endpoint.host, endpoint.port, settings.folder),
          ledgerSettings.expiryMs,
        )
      : undefined;
    const origin: SourceOrigin = {
      server: def.server,
      watch: node.id,
      protocol: endpoint.protocol,
      host: endpoint.host,
      port: endpoint.port,
      folder: settings.folder,
    };
    let lastError: FileBridgeError | undefined;
    let closed = false;
    // Node-RED would quietly keep the ledger in its default store: say so where it is seen.
    const missingStore = ledgerSettings ? missingStoreOf(RED, ledgerSettings.store) : undefined;

    const showStatus = (): void => {
      if (lastError) return node.status({ fill: 'red', shape: 'ring', text: `${lastError.code} (${watcher.slots.size} in flight)` });
      const n = watcher.slots.size;
      if (missingStore && n === 0) return node.status(missingStoreStatus(missingStore, watcher.polling ? 'polling' : 'watching'));
      node.status(
        n > 0
          ? { fill: 'blue', shape: 'dot', text: `${n} in flight${watcher.slots.full ? ' (max)' : ''}` }
          : { fill: 'green', shape: watcher.polling ? 'ring' : 'dot', text: watcher.polling ? 'polling' : 'watching' },
      );
    };

    const stopped = (file: ClaimedFile): FileBridgeError =>
      new FileBridgeError('CONNECTION', `The watch stopped before ${file.path} could be sent; it stays claimed until lease recovery.`);
    const emit = async (file: ClaimedFile): Promise<void> => {
      if (closed) throw stopped(file);
      const source = sourceFactsFor(origin, file);
      const payload = await openPayload(pool, source, delivery);
      if (payload instanceof Readable) watcher.track(file.correlationId, payload);
      if (closed) throw stopped(file);
      lastError = undefined;
      const filebridge: FileBridgeFacts = { correlationId: file.correlationId, source };
      node.send({ _msgid: RED.util.generateId(), payload, filename: file.name, topic: file.relativePath, filebridge } as unknown as NodeMessageInFlow);
      showStatus();
    };

    const watcher = new Watcher(settings, {
      pool,
      origin,
      ledger,
      emit,
      onTimeout: (file) => {
        node.warn(
          `${file.path} was not acked or quarantined within the in-flight timeout; its slot is free and it stays claimed as ${file.claimPath} until lease recovery re-emits it.`,
        );
        showStatus();
      },
      onGiveUp: (file, failedPath, reason) => node.warn(`${file.path}: ${reason} Moved to ${failedPath}.`),
      onRelease: () => showStatus(),
      onPoll: () => {
        lastError = undefined;
      },
      onError: (err) => {
        // Once per distinct failure: a server that is down must not flood the log every poll.
        if (lastError?.message !== err.message) node.warn(`Polling ${settings.folder} failed: ${err.message}`);
        lastError = err;
        showStatus();
      },
    });
    const unregister = registerWatch(node.id, watcher);

    const poll = (): void => {
      const running = watcher.trigger();
      showStatus();
      void running.then(showStatus);
    };
    const timer = setInterval(poll, intervalMs);
    const first = setTimeout(poll, 50);
    const sweep = setInterval(() => void ledger?.sweep().catch(() => undefined), 3_600_000);
    sweep.unref();
    void ledger?.sweep().catch((err: unknown) => node.warn(`Ledger store "${ledgerSettings?.store ?? 'default'}" is unusable: ${String(err)}`));

    node.on('input', (_msg, _send, done) => {
      poll();
      done();
    });
    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      clearInterval(timer);
      clearTimeout(first);
      clearInterval(sweep);
      unregister();
      watcher.close();
      done();
    });
  }

  RED.nodes.registerType('filebridge-watch', FileBridgeWatch);
}

export = register;
