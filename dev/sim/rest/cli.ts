/**
 * `npm run sim:rest -- --port 8484 [--host 127.0.0.1] [--data dir] [--products 50] [--latency ms]
 *  [--user U] [--password P] [--bearer-token T] [--api-key K] [--client-id ID] [--client-secret S]
 *  [--token-ttl s] [--error-rate 0.1] [--drop-rate 0.1] [--retry-after s] [--status429 n]`
 * Prints one JSON line (url, apiUrl, tokenUrl, port and every credential) once listening (tests and
 * scripts parse it), then runs until Ctrl-C.
 */
import { numberFault, numberOptions, parseSimArgs, printStartLine, runSimCli } from '../shared/cli';
import type { RestFaults } from './faults';
import { startRestSim } from './server';

const KNOWN = new Set([
  'port',
  'host',
  'data',
  'products',
  'latency',
  'user',
  'password',
  'bearer-token',
  'api-key',
  'client-id',
  'client-secret',
  'token-ttl',
  'error-rate',
  'drop-rate',
  'retry-after',
  'status429',
]);

async function main(): Promise<{ stop(): Promise<void> } | undefined> {
  const args = parseSimArgs(process.argv.slice(2), { flags: new Set(), known: KNOWN, strict: true });
  const num = numberOptions(args, true);
  const faults: Partial<RestFaults> = {};
  const set = (flag: string, key: keyof RestFaults): void => numberFault(faults, num, flag, key);
  set('latency', 'latencyMs');
  set('error-rate', 'errorRate');
  set('drop-rate', 'dropRate');
  set('retry-after', 'retryAfterSeconds');
  set('status429', 'status429');
  const sim = await startRestSim({
    port: num('port') ?? 8484,
    host: args.get('host'),
    dataDir: args.get('data'),
    user: args.get('user'),
    password: args.get('password'),
    bearerToken: args.get('bearer-token'),
    apiKey: args.get('api-key'),
    clientId: args.get('client-id'),
    clientSecret: args.get('client-secret'),
    tokenTtlSeconds: num('token-ttl'),
    seed: { products: num('products') },
    faults,
  });
  // A development tool: the credentials are printed on purpose, so a script can sign in.
  printStartLine({
    url: sim.url,
    apiUrl: sim.apiUrl,
    tokenUrl: sim.tokenUrl,
    port: sim.port,
    user: sim.user,
    password: sim.password,
    bearerToken: sim.bearerToken,
    apiKey: sim.apiKey,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
    dataDir: sim.dataDir,
  });
  return sim;
}

runSimCli(main);
