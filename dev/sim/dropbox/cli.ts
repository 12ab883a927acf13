/**
 * `npm run sim:dropbox -- --port 8282 [--host 127.0.0.1] [--data dir] [--app-key K] [--refresh-token T]
 *  [--token-ttl s] [--latency ms] [--error-rate 0.1] [--rate-limit-rate 0.1] [--write-limit-rate 0.1]
 *  [--retry-after s] [--drop-upload-rate 0.1] [--contend-single-commits] [--no-team-space]`
 * Prints one JSON line (url, appKey, refreshToken, namespaces) once listening (tests parse it), then runs until Ctrl-C.
 */
import type { DropboxFaults } from './faults';
import { startDropboxSim } from './server';

const FLAGS = new Set(['contend-single-commits', 'no-team-space']);

function parseArgs(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (!a.startsWith('--')) throw new Error(`Unexpected argument '${a}'`);
    const eq = a.indexOf('=');
    if (eq > 0) out.set(a.slice(2, eq), a.slice(eq + 1));
    else if (FLAGS.has(a.slice(2))) out.set(a.slice(2), 'true');
    else out.set(a.slice(2), argv[++i] ?? '');
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const known = new Set([
    'port',
    'host',
    'data',
    'app-key',
    'refresh-token',
    'token-ttl',
    'latency',
    'error-rate',
    'rate-limit-rate',
    'write-limit-rate',
    'retry-after',
    'drop-upload-rate',
    ...FLAGS,
  ]);
  for (const k of args.keys()) if (!known.has(k)) throw new Error(`Unknown option --${k}`);
  const num = (name: string): number | undefined => {
    const v = args.get(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${name} needs a number`);
    return n;
  };
  const faults: Partial<DropboxFaults> = {};
  const set = (flag: string, key: keyof DropboxFaults): void => {
    const n = num(flag);
    if (n !== undefined) (faults as Record<string, number>)[key] = n;
  };
  set('latency', 'latencyMs');
  set('error-rate', 'errorRate');
  set('rate-limit-rate', 'rateLimitRate');
  set('write-limit-rate', 'writeLimitRate');
  set('retry-after', 'retryAfterSeconds');
  set('drop-upload-rate', 'dropUploadRate');
  if (args.has('contend-single-commits')) faults.contendSingleCommits = true;
  const sim = await startDropboxSim({
    port: num('port') ?? 8282,
    host: args.get('host'),
    dataDir: args.get('data'),
    appKey: args.get('app-key'),
    refreshToken: args.get('refresh-token'),
    accessTokenTtlSeconds: num('token-ttl'),
    teamSpace: !args.has('no-team-space'),
    faults,
  });
  process.stdout.write(
    `${JSON.stringify({
      url: sim.url,
      port: sim.port,
      appKey: sim.appKey,
      refreshToken: sim.refreshToken,
      homeNamespaceId: sim.homeNamespaceId,
      rootNamespaceId: sim.rootNamespaceId,
      authorize: `${sim.url}/oauth2/authorize?client_id=${encodeURIComponent(sim.appKey)}&response_type=code&token_access_type=offline`,
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
