/**
 * `npm run sim:f360 -- --port 8383 [--host 127.0.0.1] [--data dir] [--client-id ID] [--client-secret S]
 *  [--user EMAIL] [--password P] [--token-ttl s] [--latency ms] [--error-rate 0.1] [--rate-limit-rate 0.1]
 *  [--retry-after s] [--drop-upload-rate 0.1] [--children-as-array]`
 * Prints one JSON line (url, ssoUrl, clientId, clientSecret, user, password, userId, rootId) once
 * listening (tests and scripts parse it), then runs until Ctrl-C.
 */
import { numberFault, numberOptions, parseSimArgs, printStartLine, runSimCli } from '../shared/cli';
import type { File360Faults } from './faults';
import { startFile360Sim } from './server';

const FLAGS = new Set(['children-as-array']);
const KNOWN = new Set([
  'port',
  'host',
  'data',
  'client-id',
  'client-secret',
  'user',
  'password',
  'token-ttl',
  'latency',
  'error-rate',
  'rate-limit-rate',
  'retry-after',
  'drop-upload-rate',
  ...FLAGS,
]);

async function main(): Promise<{ stop(): Promise<void> } | undefined> {
  const args = parseSimArgs(process.argv.slice(2), { flags: FLAGS, known: KNOWN, strict: true });
  const num = numberOptions(args, true);
  const faults: Partial<File360Faults> = {};
  const set = (flag: string, key: keyof File360Faults): void => numberFault(faults, num, flag, key);
  set('latency', 'latencyMs');
  set('error-rate', 'errorRate');
  set('rate-limit-rate', 'rateLimitRate');
  set('retry-after', 'retryAfterSeconds');
  set('drop-upload-rate', 'dropUploadRate');
  if (args.has('children-as-array')) faults.childrenAsArray = true;
  const sim = await startFile360Sim({
    port: num('port') ?? 8383,
    host: args.get('host'),
    dataDir: args.get('data'),
    clientId: args.get('client-id'),
    clientSecret: args.get('client-secret'),
    user: args.get('user'),
    password: args.get('password'),
    tokenTtlSeconds: num('token-ttl'),
    faults,
  });
  // A development tool: the credentials are printed on purpose, so a script can sign in.
  printStartLine({
    url: sim.url,
    ssoUrl: sim.ssoUrl,
    port: sim.port,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
    user: sim.user,
    password: sim.password,
    userId: sim.userId,
    rootId: sim.rootId,
  });
  return sim;
}

runSimCli(main);
