import type { NodeAPI, Node, NodeDef } from 'node-red';
import type { Request, Response } from 'express';
import { FileBridgeError, errorMessage } from '../core/errors';
import { ContentServerClient, browseFolder, pickerCategories } from '../core/content-server';
import {
  CS_CONNECTION_SECRETS,
  csClientOptionsFromConfig,
  csSecretScope,
  ownsSession,
  type CsConnectionConfigFields,
  type CsConnectionCredentials,
} from '../core/content-server/connection-config';
import type { CsConnectionNode as SharedCsConnectionNode } from './kit/cs-connection';
import { secretsFromDialog, type SecretScoped } from './kit/credentials';

type CsConnectionDef = NodeDef & CsConnectionConfigFields;

/** The connection node itself: what the nodes using it see, with its credentials. */
type CsConnectionNode = SharedCsConnectionNode & Node<CsConnectionCredentials> & SecretScoped;

const TYPE = 'filebridge-cs-connection';
const SECRET_LABELS = { password: 'password', clientSecret: 'client secret', ticket: 'ticket' } as const;

function register(RED: NodeAPI): void {
  function FileBridgeCsConnection(this: Node<CsConnectionCredentials>, def: CsConnectionDef): void {
    RED.nodes.createNode(this, def);
    const node = this as CsConnectionNode;
    node.label = def.baseUrl || '?';
    // Test connection and the pickers may reuse this node's stored secrets only for these same settings.
    node.secretScope = csSecretScope(def);
    const ownSession = ownsSession(def);
    try {
      // The client checks the URL and logs in lazily, on the first call a node makes.
      node.client = new ContentServerClient(csClientOptionsFromConfig(def, node.credentials ?? {}));
    } catch (err) {
      node.configError = err instanceof FileBridgeError ? err : new FileBridgeError('INVALID_INPUT', errorMessage(err));
      node.error(`Content Server configuration ${node.label} is unusable: ${node.configError.message}`);
    }
    node.on('close', (_removed: boolean, done: () => void) => {
      const client = node.client;
      node.client = undefined;
      // A pre-issued ticket belongs to someone else's session: do not end it.
      if (!client || !ownSession) return done();
      client.close().then(done, done);
    });
  }

  RED.nodes.registerType<Node<CsConnectionCredentials>, CsConnectionDef, object, CsConnectionCredentials>(TYPE, FileBridgeCsConnection, {
    credentials: {
      password: { type: 'password' },
      clientSecret: { type: 'password' },
      ticket: { type: 'password' },
    },
  });

  type DialogBody = CsConnectionConfigFields & { id?: string; credentials?: CsConnectionCredentials };

  const fail = (res: Response, err: unknown): void => {
    const e = err instanceof FileBridgeError ? err : new FileBridgeError('CONNECTION', errorMessage(err));
    res.json({ ok: false, error: { code: e.code, message: e.message } });
  };

  /**
   * A client from what the dialog has typed now. Credentials left unchanged come from the deployed
   * node, but only from a filebridge-cs-connection deployed with the same URL, login method and user
   * (or OTDS URL and client id): otherwise they must be typed (secretsFromDialog).
   */
  function clientFromDialog(body: DialogBody): ContentServerClient {
    const secrets = secretsFromDialog(
      RED,
      { id: body.id, type: TYPE, scope: csSecretScope(body), settings: 'URL, login method, user, OTDS URL and client id', labels: SECRET_LABELS },
      body.credentials,
      CS_CONNECTION_SECRETS,
    );
    return new ContentServerClient(csClientOptionsFromConfig(body, secrets));
  }

  /**
   * Runs `work` with a client and answers `{ ok: true, ...result }` or `{ ok: false, error }`. The
   * connection dialog sends its fields (works before deploy); a node's dialog sends only the selected
   * connection's id, which must then be deployed because only the runtime holds its credentials.
   */
  function withClient(req: Request, res: Response, work: (client: ContentServerClient) => Promise<object>): void {
    const body = (req.body ?? {}) as DialogBody;
    let client: ContentServerClient;
    let own = true;
    try {
      if (body.baseUrl !== undefined) client = clientFromDialog(body);
      else {
        if (!body.id) throw new FileBridgeError('INVALID_INPUT', 'Select a Content Server connection first');
        const found = RED.nodes.getNode(body.id) as CsConnectionNode | null;
        // Only a connection node's own client, which talks to the server it was deployed for.
        const deployed = found?.type === TYPE ? found : null;
        if (!deployed)
          throw new FileBridgeError('INVALID_INPUT', 'The Content Server connection is not deployed yet: deploy the connection first, then browse');
        if (deployed.configError) throw deployed.configError;
        if (!deployed.client)
          throw new FileBridgeError('INVALID_INPUT', 'The Content Server connection is not ready: deploy the connection first, then browse');
        client = deployed.client;
        own = false;
      }
    } catch (err) {
      fail(res, err);
      return;
    }
    void (async () => {
      try {
        res.json({ ok: true, ...(await work(client)) });
      } catch (err) {
        fail(res, err);
      } finally {
        // A pre-issued ticket belongs to someone else's session, and a deployed node's client is in use: do not end them.
        if (own && ownsSession(body)) await client.close();
      }
    })();
  }

  /*
   * The admin endpoints need `write`, like "Test connection": they act on the Content Server with the
   * connection's stored credentials, which someone who may only look at flows must not be able to use.
   * None answers with a secret.
   */
  const canEdit = RED.auth.needsPermission('filebridge-cs-connection.write');

  /* "Test connection" in the config dialog: reports the user and the server version. */
  RED.httpAdmin.post('/filebridge/cs/test', canEdit, (req: Request, res: Response) => {
    withClient(req, res, async (client) => {
      const ping = await client.ping();
      const user = await client.whoami();
      return { user, version: typeof ping.version === 'string' ? ping.version : undefined };
    });
  });

  /* Folder picker: one folder (id or path, default the Enterprise workspace), its parent and children. */
  RED.httpAdmin.post('/filebridge/cs/browse', canEdit, (req: Request, res: Response) => {
    const folder = (req.body as { folder?: unknown } | undefined)?.folder;
    withClient(req, res, async (client) => browseFolder(client, typeof folder === 'number' || typeof folder === 'string' ? folder : undefined));
  });

  /* Category picker: the categories a node offers (its own and the templates'), with their attributes. */
  RED.httpAdmin.post('/filebridge/cs/categories', canEdit, (req: Request, res: Response) => {
    const target = (req.body as { node?: unknown } | undefined)?.node;
    withClient(req, res, async (client) => ({
      categories: await pickerCategories(client, typeof target === 'number' || typeof target === 'string' ? target : undefined),
    }));
  });
}

export = register;
