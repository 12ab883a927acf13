import type { NodeAPI, Node, NodeDef } from 'node-red';
import type { Request, Response } from 'express';
import { FileBridgeError } from '../core/errors';
import { createPool, testConnection } from '../core/remote/connect';
import { SERVER_SECRETS, serverOptionsFromConfig, type ServerConfigFields, type ServerCredentials } from '../core/remote/server-config';
import { DEFAULT_PORTS } from '../core/remote/types';
import { secretsFromDialog } from './kit/credentials';
import type { ServerNode } from './kit/server';

type ServerNodeDef = NodeDef & Omit<ServerConfigFields, 'name'>;

function register(RED: NodeAPI): void {
  function FileBridgeServer(this: Node<ServerCredentials>, def: ServerNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this as ServerNode;
    const context = node.context();
    node.label = `${def.protocol}://${def.host}:${def.port || DEFAULT_PORTS[def.protocol] || ''}`;
    try {
      const learned = context.get('learnedHostKey');
      const options = serverOptionsFromConfig(def, node.credentials ?? {}, {
        learnedHostKey: typeof learned === 'string' ? learned : undefined,
        onHostKeyLearned: (fingerprint) => {
          context.set('learnedHostKey', fingerprint);
          node.warn(`Trusting ${node.label} on first use with host key ${fingerprint}. Paste this fingerprint into "Host key" to pin it.`);
        },
      });
      node.endpoint = { protocol: options.protocol, host: options.host, port: options.port };
      node.pool = createPool(options, { size: options.poolSize, connectRetries: options.connectRetries, unreadTimeoutMs: options.unreadTimeoutMs });
    } catch (err) {
      node.configError = err instanceof FileBridgeError ? err : new FileBridgeError('INVALID_INPUT', String(err));
      node.error(`Server configuration ${node.label} is unusable: ${node.configError.message}`);
    }
    node.on('close', (_removed: boolean, done: () => void) => {
      const pool = node.pool;
      node.pool = undefined;
      if (!pool) return done();
      pool.close().then(done, done);
    });
  }

  RED.nodes.registerType<Node<ServerCredentials>, ServerNodeDef, object, ServerCredentials>('filebridge-server', FileBridgeServer, {
    credentials: {
      password: { type: 'password' },
      privateKey: { type: 'password' },
      passphrase: { type: 'password' },
    },
  });

  /*
   * "Test connection" in the config dialog. The dialog sends what is typed now; credentials the user
   * did not retype arrive as a placeholder and are taken from the deployed node. Never answers with a
   * secret, only facts about the server.
   */
  RED.httpAdmin.post('/filebridge/server/test', RED.auth.needsPermission('filebridge-server.write'), (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Partial<ServerConfigFields> & { id?: string; folder?: string; credentials?: Partial<ServerCredentials> };
    let options;
    try {
      options = serverOptionsFromConfig(body as ServerConfigFields, secretsFromDialog(RED, body.id, body.credentials, SERVER_SECRETS), {});
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
