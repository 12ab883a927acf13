/**
 * The admin endpoint of a `filebridge-rest-connection`: the dialog's "Test connection" (one GET of
 * the test path with the settings typed in the dialog, or, given only an id, with a deployed
 * connection's own settings). Like the other test endpoints it needs write
 * permission and never answers with a secret. Stored secrets (password, token, API key, client
 * secret, proxy password) are reused only by a deployed filebridge-rest-connection whose
 * `restSecretScope` (base URL and token URL origins, auth type, user, client id, API key place,
 * proxy) is the one the dialog sends now: a secret never goes to a host it was not saved for.
 */
import type { NodeAPI } from 'node-red';
import type { Request, Response } from 'express';
import { FileBridgeError } from '../../core/errors';
import {
  redactUrl,
  restOptionsFromConfig,
  restSecretScope,
  secretQueryParams,
  testRestConnection,
  type RestConnectionFields,
  type RestCredentials,
  type RestOptions,
} from '../../core/rest';
import { secretsFromDialog } from './credentials';
import type { RestConnectionNode } from './rest-connection';

const TYPE = 'filebridge-rest-connection';
const SECRETS = ['password', 'token', 'apiKey', 'clientSecret', 'proxyPassword'] as const;
const LABELS = { password: 'password', token: 'bearer token', apiKey: 'API key', clientSecret: 'client secret', proxyPassword: 'proxy password' } as const;

type DialogBody = RestConnectionFields & { id?: unknown; credentials?: Partial<Record<keyof RestCredentials, unknown>> };

function fail(res: Response, err: unknown): void {
  const e = err instanceof FileBridgeError ? err : new FileBridgeError('CONNECTION', 'Could not reach the REST API.');
  res.json({ ok: false, error: { code: e.code, message: e.message } });
}

export function registerRestAdmin(RED: NodeAPI): void {
  const canEdit = RED.auth.needsPermission(`${TYPE}.write`);

  /* "Test connection": GET <base URL><test path> with the dialog's settings; reports the status and the time. */
  RED.httpAdmin.post('/filebridge/rest/test', canEdit, (req: Request, res: Response) => {
    const body = (req.body ?? {}) as DialogBody;
    let options: RestOptions;
    try {
      if (body.baseUrl === undefined) {
        // Only an id (a rest request's dialog): the deployed connection's own settings and secrets.
        const found = typeof body.id === 'string' ? (RED.nodes.getNode(body.id) as RestConnectionNode | null) : null;
        const deployed = found?.type === TYPE ? found : null;
        if (!deployed) throw new FileBridgeError('INVALID_INPUT', 'The REST connection is not deployed yet: deploy it first, or test it from its own dialog.');
        if (deployed.configError) throw deployed.configError;
        if (!deployed.client) throw new FileBridgeError('CONNECTION', 'The REST connection is stopping (redeploy in progress): try again.');
        options = deployed.client.options;
      } else {
        const secrets = secretsFromDialog(
          RED,
          {
            id: typeof body.id === 'string' ? body.id : undefined,
            type: TYPE,
            scope: restSecretScope(body),
            settings: 'base URL, token URL, authentication, user, client id, API key place and proxy',
            labels: LABELS,
          },
          body.credentials,
          SECRETS,
        );
        options = restOptionsFromConfig(body, secrets);
      }
    } catch (err) {
      fail(res, err);
      return;
    }
    const path = typeof body.testPath === 'string' && body.testPath.trim() !== '' ? body.testPath.trim() : options.testPath;
    const secretQuery = secretQueryParams(options.auth);
    void (async () => {
      try {
        const result = await testRestConnection(options, path);
        res.json({
          ok: true,
          status: result.status,
          ms: result.ms,
          authenticated: result.authenticated,
          url: redactUrl(`${options.baseUrl}${path.startsWith('/') ? '' : '/'}${path}`, secretQuery),
        });
      } catch (err) {
        fail(res, err);
      }
    })();
  });
}
