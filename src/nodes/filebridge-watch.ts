import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import { Readable } from 'node:stream';
import { errorMessage, FileBridgeError } from '../core/errors';
import type { FileBridgeFacts } from '../core/message';
import { Ledger } from '../core/pipeline/ledger';
import { journaled, LedgerJournal } from '../core/pipeline/ledger-journal';
import { PollSchedule } from '../core/pipeline/poll-schedule';
import { registerWatch } from '../core/pipeline/running-watches';
import { runtimeOwner } from '../core/pipeline/runtime-identity';
import { sourceFactsFor, type SourceOrigin } from '../core/pipeline/source';
import { openPayload } from '../core/pipeline/source-stream';
import { watchCursorKey, watchDeliveryFromConfig, watchSettingsFromConfig, type WatchConfigFields } from '../core/pipeline/watch-config';
import { resetFromMessage, Watcher, type ClaimedFile } from '../core/pipeline/watcher';
import { contextStore, journalFolder, missingStoreOf, missingStoreStatus, type CallbackContext } from './kit/context-store';
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
      settings = watchSettingsFromConfig(def, endpoint.protocol);
    } catch (err) {
      node.error(err instanceof Error ? err.message : String(err));
      return fail('INVALID_INPUT');
    }
    const { intervalMs, delivery, ledger: ledgerSettings, cursorStore } = watchDeliveryFromConfig(def);
    // Global scope and a prefix per server folder: every watch of that folder (and, with a shared
    // store such as Redis, every runtime) sees what was processed. Every write goes through the
    // journal in the user directory first, fsync'd, so a killed runtime forgets nothing it acked.
    const journalDir = journalFolder(RED.settings);
    let ledger: Ledger | undefined;
    if (ledgerSettings) {
      const store = contextStore(node.context().global as unknown as CallbackContext, ledgerSettings.store);
      const prefix = Ledger.prefixFor(endpoint.host, endpoint.port, settings.folder);
      const storeName = ledgerSettings.store ?? 'default';
      const where = `the ledger store "${storeName}"${journalDir ? ` or its journal in ${journalDir}` : ''}`;
      const kept = journalDir ? journaled(store, LedgerJournal.in(journalDir)) : store;
      ledger = new Ledger(kept, prefix, ledgerSettings.expiryMs, Date.now, { what: where, details: { store: storeName } });
    }
    const origin: SourceOrigin = {
      server: def.server,
      watch: node.id,
      protocol: endpoint.protocol,
      host: endpoint.host,
      port: endpoint.port,
      folder: settings.folder,
    };
    let lastError: FileBridgeError | undefined;
    /** The code of the latest failed claim, shown while files wait for another try. */
    let claimCode = '';
    const warnedRecoveries = new Set<string>();
    let closed = false;
    // Whose claims these are: kept in the user directory, so a restart takes its orphaned files back at once.
    const owner = runtimeOwner(RED.settings.userDir);
    if (owner.problem)
      node.warn(`This runtime's claim identity cannot be kept (${owner.problem}): after a restart, files it had in flight wait for their lease.`);
    // Node-RED would quietly keep the ledger in its default store: say so where it is seen.
    const missingStore = ledgerSettings ? missingStoreOf(RED, ledgerSettings.store) : undefined;

    const showStatus = (): void => {
      if (lastError) return node.status({ fill: 'red', shape: 'ring', text: `${lastError.code} (${watcher.slots.size} in flight)` });
      const n = watcher.slots.size;
      const failing = watcher.failingClaims;
      if (failing > 0) return node.status({ fill: 'yellow', shape: 'ring', text: `${n} in flight, ${failing} not claimed: ${claimCode}` });
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
      // Only a remote that reports changes (Dropbox) uses it: per watch node, folder and depth.
      cursorStore: {
        store: contextStore(node.context().global as unknown as CallbackContext, cursorStore),
        key: watchCursorKey(node.id, endpoint, settings),
      },
      emit,
      onTimeout: (file) => {
        node.warn(
          file.inPlace
            ? `${file.path} was not acked or quarantined within the in-flight timeout; its slot is free and it is sent again after the lease (${Math.round(settings.leaseMs / 1000)} s).`
            : `${file.path} was not acked or quarantined within the in-flight timeout; its slot is free and it stays claimed as ${file.claimPath} until lease recovery re-emits it.`,
        );
        showStatus();
      },
      onGiveUp: (file, failedPath, reason) =>
        node.warn(`${file.path}: ${reason} ${file.inPlace ? `Left where it is; its report: ${failedPath}.` : `Moved to ${failedPath}.`}`),
      onUnsafeName: (folder, name, why) =>
        node.warn(`The server listed "${name}" in ${folder}: ${why}. It was left out; nothing is renamed, moved or deleted because of it. Check the server.`),
      onClaimFailed: (path, error) => {
        claimCode = error.code;
        const attempt = Number(error.details.attempt);
        // Bounded: at most "max attempts" warnings per file; without a limit (or for an expired claim), the first only.
        if (attempt === 0) {
          if (warnedRecoveries.size > 1000) warnedRecoveries.clear();
          if (warnedRecoveries.has(path)) return;
          warnedRecoveries.add(path);
        } else if (settings.maxAttempts === 0 && attempt > 1) return;
        node.warn(`${error.code}: ${error.message}`);
      },
      onSetAside: (path, aside) =>
        node.warn(
          `${path} could not be claimed and was set aside: ${aside.moved ? `moved to ${aside.path}` : `left where it is (it could not be renamed at all) and no longer tried while unchanged`}. ${aside.reportPath ? `Its report: ${aside.reportPath}.` : `Its report could not be written: ${aside.reportError ?? 'unknown error'}.`}`,
        ),
      owner,
      onWarning: (text) => node.warn(text),
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
      onRenewError: (err) => {
        if (lastError?.message !== err.message) node.warn(`Watching ${settings.folder}: ${err.message}`);
        lastError = err;
        showStatus();
      },
    });
    const unregister = registerWatch(node.id, watcher, { folder: settings.folder, claimRoot: watcher.claimRoot, inPlace: watcher.inPlace });

    // The interval, and at once again while a backlog waits and slots are free (poll-schedule.ts).
    const schedule = new PollSchedule(watcher, { intervalMs, onStart: showStatus, onIdle: showStatus });
    const poll = (): void => void schedule.poll();
    schedule.start();
    const sweep = setInterval(() => void ledger?.sweep().catch(() => undefined), 3_600_000);
    sweep.unref();
    void ledger?.sweep().catch((err: unknown) =>
      // The coded error already names the store (and journal).
      node.warn(`The ledger is unusable: ${errorMessage(err)}`),
    );

    node.on('input', (msg, _send, done) => {
      // msg.reset = "failed": files quarantined, given up or set aside where they are are taken again unchanged.
      let forget: boolean;
      try {
        forget = resetFromMessage((msg as { reset?: unknown }).reset);
      } catch (err) {
        return done(err as FileBridgeError);
      }
      if (!forget) {
        poll();
        return done();
      }
      watcher.resetFailures(ledgerSettings?.store ?? 'default').then(
        (n) => {
          node.log(`Forgot ${n} failed file(s) of ${settings.folder}: they are taken again.`);
          poll();
          done();
        },
        (err: FileBridgeError) => done(err),
      );
    });
    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      schedule.stop();
      clearInterval(sweep);
      unregister();
      watcher.close();
      done();
    });
  }

  RED.nodes.registerType('filebridge-watch', FileBridgeWatch);
}

export = register;
