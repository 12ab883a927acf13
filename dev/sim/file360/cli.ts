/**
 * `npm run sim:f360 -- --port 8383 [--host 127.0.0.1] [--data dir] [--client-id ID] [--client-secret S]
 *  [--user EMAIL] [--password P] [--token-ttl s] [--latency ms] [--error-rate 0.1] [--rate-limit-rate 0.1]
 *  [--retry-after s] [--drop-upload-rate 0.1] [--children-as-array]`
 * Prints one JSON line (url, ssoUrl, clientId, clientSecret, user, password, userId, rootId) once
 * listening (tests and scripts parse it), then runs until Ctrl-C.
 */
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

function parseArgs(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (!a.startsWith('--')) throw new Error(`Unexpected argument '${a}'`);
    const eq = a.indexOf('=');
    const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (!KNOWN.has(key)) throw new Error(`Unknown option --${key}`);
    if (eq > 0) out.set(key, a.slice(eq + 1));
    else if (FLAGS.has(key)) out.set(key, 'true');
    else {
      const v = argv[++i];
      if (v === undefined) throw new Error(`--${key} needs a value`);
      out.set(key, v);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const num = (name: string): number | undefined => {
    const v = args.get(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new Error(`--${name} needs a number`);
    return n;
  };
  const faults: Partial<File360Faults> = {};
  const set = (flag: string, key: keyof File360Faults): void => {
    const n = num(flag);
    if (n !== undefined) (faults as Record<string, number>)[key] = n;
  };
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
  process.stdout.write(
    `${JSON.stringify({
      url: sim.url,
      ssoUrl: sim.ssoUrl,
      port: sim.port,
      clientId: sim.clientId,
      clientSecret: sim.clientSecret,
      user: sim.user,
      password: sim.password,
      userId: sim.userId,
      rootId: sim.rootId,
    })}\n`,
  );
  const stop = (): void => {
    sim.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
