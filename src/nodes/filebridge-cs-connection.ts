import type { NodeAPI, Node, NodeDef } from 'node-red';
import type { Request, Response } from 'express';
import { FileBridgeError, errorMessage } from '../core/errors';
import { ContentServerClient, browseFolder, pickerCategories, type ContentServerClientOptions, type CsAuth } from '../core/content-server';
import type { CsConnectionNode as SharedCsConnectionNode } from './cs-connection-node';

type CsAuthMode = 'password' | 'otds' | 'ticket';

interface CsConnectionFields {
  baseUrl?: string;
  authMode?: CsAuthMode;
  otdsUrl?: string;
  username?: string;
  clientId?: string;
  timeout?: string | number;
  retries?: string | number;
  /** Node id of the RM classification tree's root, so flows can name classifications by path. */
  classificationRoot?: string | number;
  /** Comma-separated node ids whose applied categories flows may name, besides the target folder's. */
  categoryTemplates?: string;
  /** Files of at least this many MiB go through the large-file API when the server has it; empty = never. */
  largeFileMb?: string | number;
}

interface CsConnectionCredentials {
  password?: string;
  clientSecret?: string;
  ticket?: string;
}

type CsConnectionDef = NodeDef & CsConnectionFields;

/** The connection node itself: what the nodes using it see, with its credentials. */
type CsConnectionNode = SharedCsConnectionNode & Node<CsConnectionCredentials>;

/** Values the editor sends for a credential it did not change. */
const UNCHANGED = '__PWRD__';

function optionalNumber(value: unknown, fallback: number, min: number, max: number, what: string): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new FileBridgeError('INVALID_INPUT', `${what} must be a number from ${min} to ${max}, got '${String(value)}'`);
  return n;
}

/** Client options from the dialog's fields and credentials; throws INVALID_INPUT naming what is missing. */
function csClientOptions(fields: CsConnectionFields, creds: CsConnectionCredentials): ContentServerClientOptions {
  const baseUrl = (fields.baseUrl ?? '').trim();
  if (baseUrl === '') throw new FileBridgeError('INVALID_INPUT', 'The Content Server URL is empty: enter the REST API base, e.g. https://cs.example.com/otcs/cs.exe/api');
  const mode = fields.authMode || 'password';
  let auth: CsAuth;
  switch (mode) {
    case 'password':
      if (!fields.username) throw new FileBridgeError('INVALID_INPUT', 'Password login needs a user name');
      if (!creds.password) throw new FileBridgeError('INVALID_INPUT', 'Password login needs a password');
      auth = { kind: 'password', username: fields.username, password: creds.password };
      break;
    case 'otds':
      if (!fields.otdsUrl) throw new FileBridgeError('INVALID_INPUT', 'OTDS login needs the OTDS URL');
      if (!fields.clientId) throw new FileBridgeError('INVALID_INPUT', 'OTDS login needs a client id');
      if (!creds.clientSecret) throw new FileBridgeError('INVALID_INPUT', 'OTDS login needs the client secret');
      auth = { kind: 'otds', otdsUrl: fields.otdsUrl, clientId: fields.clientId, clientSecret: creds.clientSecret };
      break;
    case 'ticket':
      if (!creds.ticket) throw new FileBridgeError('INVALID_INPUT', 'Ticket login needs a ticket');
      auth = { kind: 'ticket', ticket: creds.ticket };
      break;
    default:
      throw new FileBridgeError('INVALID_INPUT', `Unknown authentication mode '${String(mode)}': use password, otds or ticket`);
  }
  const templates = String(fields.categoryTemplates ?? '').split(/[\s,;]+/).filter((t) => t !== '');
  for (const t of templates) if (!/^\d+$/.test(t)) throw new FileBridgeError('INVALID_INPUT', `Category templates must be node ids separated by commas, got '${t}'`);
  const root = optionalNumber(fields.classificationRoot, NaN, 1, Number.MAX_SAFE_INTEGER, 'Classification root');
  const largeMb = optionalNumber(fields.largeFileMb, NaN, 1, 1024 * 1024, 'Large-file threshold');
  return {
    baseUrl,
    auth,
    timeoutMs: Math.round(optionalNumber(fields.timeout, 60, 1, 3600, 'Timeout') * 1000),
    retry: { retries: Math.round(optionalNumber(fields.retries, 4, 0, 20, 'Retries')) },
    categoryTemplates: templates.map(Number),
    classificationRoot: Number.isNaN(root) ? undefined : Math.round(root),
    largeFileThreshold: Number.isNaN(largeMb) ? undefined : Math.round(largeMb * 1024 * 1024),
  };
}

function register(RED: NodeAPI): void {
  function FileBridgeCsConnection(this: Node<CsConnectionCredentials>, def: CsConnectionDef): void {
    RED.nodes.createNode(this, def);
    const node = this as CsConnectionNode;
    node.label = def.baseUrl || '?';
    const ownSession = def.authMode !== 'ticket';
    try {
      // The client checks the URL and logs in lazily, on the first call a node makes.
      node.client = new ContentServerClient(csClientOptions(def, node.credentials ?? {}));
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

  RED.nodes.registerType<Node<CsConnectionCredentials>, CsConnectionDef, object, CsConnectionCredentials>('filebridge-cs-connection', FileBridgeCsConnection, {
    credentials: {
      password: { type: 'password' },
      clientSecret: { type: 'password' },
      ticket: { type: 'password' },
    },
  });

  type DialogBody = CsConnectionFields & { id?: string; credentials?: CsConnectionCredentials };

  const fail = (res: Response, err: unknown): void => {
    const e = err instanceof FileBridgeError ? err : new FileBridgeError('CONNECTION', errorMessage(err));
    res.json({ ok: false, error: { code: e.code, message: e.message } });
  };

  /** A client from what the dialog has typed now; credentials left unchanged come from the deployed node. */
  function clientFromDialog(body: DialogBody): ContentServerClient {
    const stored = (body.id ? RED.nodes.getCredentials(body.id) : undefined) as CsConnectionCredentials | undefined;
    const typed = body.credentials ?? {};
    const pick = (key: keyof CsConnectionCredentials): string | undefined => {
      const value = typed[key];
      if (value === UNCHANGED || value === undefined) return stored?.[key];
      return value;
    };
    return new ContentServerClient(csClientOptions(body, { password: pick('password'), clientSecret: pick('clientSecret'), ticket: pick('ticket') }));
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
        const deployed = RED.nodes.getNode(body.id) as CsConnectionNode | null;
        if (!deployed) throw new FileBridgeError('INVALID_INPUT', 'The Content Server connection is not deployed yet: deploy the connection first, then browse');
        if (deployed.configError) throw deployed.configError;
        if (!deployed.client) throw new FileBridgeError('INVALID_INPUT', 'The Content Server connection is not ready: deploy the connection first, then browse');
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
        if (own && body.authMode !== 'ticket') await client.close();
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
    withClient(req, res, async (client) => ({ categories: await pickerCategories(client, typeof target === 'number' || typeof target === 'string' ? target : undefined) }));
  });
}

export = register;
