/**
 * `npm run sim:dropbox -- --port 8282 [--host 127.0.0.1] [--data dir] [--app-key K] [--refresh-token T]
 *  [--token-ttl s] [--latency ms] [--error-rate 0.1] [--rate-limit-rate 0.1] [--write-limit-rate 0.1]
 *  [--retry-after s] [--drop-upload-rate 0.1] [--contend-single-commits] [--no-team-space]`
 * Prints one JSON line (url, appKey, refreshToken, namespaces) once listening (tests parse it), then runs until Ctrl-C.
 */
import { numberFault, numberOptions, parseSimArgs, printStartLine, runSimCli } from '../shared/cli';
import type { DropboxFaults } from './faults';
import { startDropboxSim } from './server';

const FLAGS = new Set(['contend-single-commits', 'no-team-space']);

async function main(): Promise<{ stop(): Promise<void> } | undefined> {
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
  const args = parseSimArgs(process.argv.slice(2), { flags: FLAGS, known });
  const num = numberOptions(args);
  const faults: Partial<DropboxFaults> = {};
  const set = (flag: string, key: keyof DropboxFaults): void => numberFault(faults, num, flag, key);
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
  printStartLine({
    url: sim.url,
    port: sim.port,
    appKey: sim.appKey,
    refreshToken: sim.refreshToken,
    homeNamespaceId: sim.homeNamespaceId,
    rootNamespaceId: sim.rootNamespaceId,
    authorize: `${sim.url}/oauth2/authorize?client_id=${encodeURIComponent(sim.appKey)}&response_type=code&token_access_type=offline`,
  });
  return sim;
}

runSimCli(main);
