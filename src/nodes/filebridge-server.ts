import type { NodeAPI, Node, NodeDef } from 'node-red';
import type { Request, Response } from 'express';
import { FileBridgeError } from '../core/errors';
import { createPool, testConnection } from '../core/remote/connect';
import type { KeyValueStore } from '../core/key-value-store';
import {
  SERVER_SECRETS,
  learnsHostKey,
  serverOptionsFromConfig,
  serverLabel,
  serverSecretScope,
  type ServerConfigFields,
  type ServerCredentials,
} from '../core/remote/server-config';
import { createDropboxPool } from '../core/dropbox';
import { dropboxOptionsFromConfig, parseStoredRefreshToken, NOT_CONNECTED } from '../core/remote/dropbox-config';
import { file360OptionsFromConfig } from '../core/remote/file360-config';
import { createFile360Pool, openFile360Client } from '../core/file360';
import { registerDropboxAdmin } from './kit/dropbox-admin';
import { registerFile360Admin } from './kit/file360-admin';
import { contextStore, persistentContextStore, type CallbackContext } from './kit/context-store';
import { secretsFromDialog } from './kit/credentials';
import type { ServerNode } from './kit/server';

type ServerNodeDef = NodeDef & Omit<ServerConfigFields, 'name'>;

const SECRET_LABELS = {
  password: 'password',
  privateKey: 'private key',
  passphrase: 'passphrase',
  refreshToken: 'Dropbox sign-in',
  clientSecret: 'client secret',
} as const;

const TOFU_NEEDS_PERSISTENT_STORE =
  'Trust on first use needs a context store that survives a restart, to remember the host key it learns: with context in memory only, every restart would trust whatever key the server presents next. Paste the server\'s host key into "Host key" instead (Test connection shows it and pins it with one click), or configure a persistent context store in settings.js (contextStorage, for example { default: { module: "localfilesystem" } }) and restart Node-RED.';

function register(RED: NodeAPI): void {
  function FileBridgeServer(this: Node<ServerCredentials>, def: ServerNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this as ServerNode;
    const context = node.context();
    node.label = serverLabel(def);
    node.protocol = def.protocol;
    // Test connection may reuse this node's stored secrets only for these same settings.
    node.secretScope = serverSecretScope(def);
    if (def.protocol === 'file360') {
      try {
        // ONE client for every user of this configuration: one token, one refresh for all.
        const options = file360OptionsFromConfig(def, node.credentials ?? {});
        const client = openFile360Client(options.file360);
        node.file360 = client;
        node.endpoint = options.endpoint;
        node.pool = createFile360Pool(client, { size: options.poolSize, connectRetries: options.connectRetries, unreadTimeoutMs: options.unreadTimeoutMs });
      } catch (err) {
        node.configError = err instanceof FileBridgeError ? err : new FileBridgeError('INVALID_INPUT', String(err));
        node.error(`File 360 configuration ${node.label} is unusable: ${node.configError.message}`);
      }
    } else if (def.protocol === 'dropbox') {
      try {
        // The sign-in is used only for the service URL and app key it was made for; a bare token
        // (deployed with the flow) belongs to these settings.
        const options = dropboxOptionsFromConfig(def, parseStoredRefreshToken(node.credentials?.refreshToken), true);
        node.endpoint = options.endpoint;
        node.pool = createDropboxPool(options.dropbox, {
          size: options.poolSize,
          connectRetries: options.connectRetries,
          unreadTimeoutMs: options.unreadTimeoutMs,
        });
      } catch (err) {
        node.configError = err instanceof FileBridgeError ? err : new FileBridgeError('INVALID_INPUT', String(err));
        if (node.configError.code === 'AUTHENTICATION')
          node.configStatus = node.configError.message === NOT_CONNECTED ? 'not connected to Dropbox' : 'connect to Dropbox again';
        node.error(`Dropbox configuration ${node.label} is unusable: ${node.configError.message}`);
      }
    } else {
      try {
        // Trust on first use must remember the key across restarts, or a restart would trust anew.
        // Node-RED credentials cannot hold it: the runtime saves credentials only when flows are
        // deployed (@node-red/runtime lib/nodes/credentials.js `add` only marks them dirty), so a key
        // learned between deploys would be lost. A persistent context store keeps it.
        let hostKeyMemory: KeyValueStore | undefined;
        let store: string | undefined;
        if (learnsHostKey(def)) {
          store = persistentContextStore((RED.settings as { contextStorage?: unknown }).contextStorage);
          if (store === undefined) {
            node.configStatus = 'trust on first use: no persistent store';
            throw new FileBridgeError('INVALID_INPUT', TOFU_NEEDS_PERSISTENT_STORE);
          }
          hostKeyMemory = contextStore(context as unknown as CallbackContext, store);
        }
        const options = serverOptionsFromConfig(def, node.credentials ?? {}, {
          hostKeyMemory,
          onHostKeyLearned: (fingerprint) => {
            node.warn(
              `Trusting ${node.label} on first use with host key ${fingerprint} (kept in the context store "${store ?? ''}"). Paste this fingerprint into "Host key" to pin it.`,
            );
          },
        });
        node.endpoint = { protocol: options.protocol, host: options.host, port: options.port };
        node.pool = createPool(options, { size: options.poolSize, connectRetries: options.connectRetries, unreadTimeoutMs: options.unreadTimeoutMs });
      } catch (err) {
        node.configError = err instanceof FileBridgeError ? err : new FileBridgeError('INVALID_INPUT', String(err));
        node.error(`Server configuration ${node.label} is unusable: ${node.configError.message}`);
      }
    }
    node.on('close', (_removed: boolean, done: () => void) => {
      const pool = node.pool;
      const client = node.file360;
      node.pool = undefined;
      node.file360 = undefined;
      const finish = (): void => {
        client?.close();
        done();
      };
      if (!pool) return finish();
      pool.close().then(finish, finish);
    });
  }

  RED.nodes.registerType<Node<ServerCredentials>, ServerNodeDef, object, ServerCredentials>('filebridge-server', FileBridgeServer, {
    credentials: {
      password: { type: 'password' },
      privateKey: { type: 'password' },
      passphrase: { type: 'password' },
      refreshToken: { type: 'password' },
      clientSecret: { type: 'password' },
    },
  });

  const canEdit = RED.auth.needsPermission('filebridge-server.write');
  const dropboxTest = registerDropboxAdmin(RED, canEdit);
  const file360Test = registerFile360Admin(RED, canEdit);

  /*
   * "Test connection" in the config dialog. The dialog sends what is typed now; credentials the user
   * did not retype arrive as a placeholder and are taken from the deployed node, but only when that
   * node is a filebridge-server deployed with the same protocol, host, port and user: otherwise the
   * secret must be typed (secretsFromDialog). Never answers with a secret, only facts about the server.
   */
  RED.httpAdmin.post('/filebridge/server/test', canEdit, (req: Request, res: Response) => {
    if ((req.body as { protocol?: unknown } | undefined)?.protocol === 'dropbox') {
      dropboxTest(req, res);
      return;
    }
    if ((req.body as { protocol?: unknown } | undefined)?.protocol === 'file360') {
      file360Test(req, res);
      return;
    }
    const body = (req.body ?? {}) as Partial<ServerConfigFields> & { id?: string; folder?: string; credentials?: Partial<ServerCredentials> };
    let options;
    try {
      const secrets = secretsFromDialog(
        RED,
        { id: body.id, type: 'filebridge-server', scope: serverSecretScope(body), settings: 'protocol, host, port and user', labels: SECRET_LABELS },
        body.credentials,
        SERVER_SECRETS,
      );
      options = serverOptionsFromConfig(body as ServerConfigFields, secrets, {});
    } catch (err) {
      const e = err instanceof FileBridgeError ? err : new FileBridgeError('INVALID_INPUT', String(err));
      res.json({ ok: false, error: { code: e.code, message: e.message } });
      return;
    }
    testConnection(options, typeof body.folder === 'string' && body.folder ? body.folder : '.').then(
      (report) => res.json(report),
      (err: unknown) => res.json({ ok: false, error: { code: 'CONNECTION', message: String(err) } }),
    );
  });
}

export = register;
