/**
 * A flow's `filebridge-rest-connection` configuration node pointed at a REST simulator, with each of
 * its auth modes, and the flow credentials that go with it (secrets never in the flow JSON).
 */
import type { RestSim } from '../../dev/sim/rest';

export type RestSimAuth = 'none' | 'basic' | 'bearer' | 'apiKeyHeader' | 'apiKeyQuery' | 'oauth2';

/** The dialog fields of a connection to `sim` (base URL = its API URL) with `auth`; `fields` add or replace. */
export function restConnectionNode(sim: RestSim, auth: RestSimAuth = 'basic', fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'conn',
    type: 'filebridge-rest-connection',
    name: '',
    baseUrl: sim.apiUrl,
    authType: auth === 'apiKeyHeader' || auth === 'apiKeyQuery' ? 'apiKey' : auth,
    username: auth === 'basic' ? sim.user : '',
    apiKeyName: auth === 'apiKeyQuery' ? 'api_key' : 'X-API-Key',
    apiKeyIn: auth === 'apiKeyQuery' ? 'query' : 'header',
    tokenUrl: auth === 'oauth2' ? sim.tokenUrl : '',
    clientId: auth === 'oauth2' ? sim.clientId : '',
    scope: '',
    clientAuth: 'basic',
    headers: [],
    ca: '',
    certFingerprint: '',
    rejectUnauthorized: true,
    proxy: 'none',
    proxyUrl: '',
    timeout: 30,
    connectTimeout: 5,
    retries: 2,
    rateLimit: 0,
    idempotencyHeader: 'Idempotency-Key',
    testPath: '/ping',
    ...fields,
  };
}

/** The credentials of that connection node (only the one its auth mode uses). */
export function restConnectionCredentials(sim: RestSim, auth: RestSimAuth = 'basic'): Record<string, string> {
  switch (auth) {
    case 'basic':
      return { password: sim.password };
    case 'bearer':
      return { token: sim.bearerToken };
    case 'apiKeyHeader':
    case 'apiKeyQuery':
      return { apiKey: sim.apiKey };
    case 'oauth2':
      return { clientSecret: sim.clientSecret };
    default:
      return {};
  }
}

/** Every secret the simulator knows, to prove none shows where it must not. */
export function restSimSecrets(sim: RestSim): string[] {
  return [sim.password, sim.bearerToken, sim.apiKey, sim.clientSecret];
}
