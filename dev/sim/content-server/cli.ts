/**
 * `npm run sim:cs -- --port 8181 [--data dir] [--seed file.json] [--api-base /cs/cs/api]
 *  [--latency ms] [--error-rate 0.2] [--ticket-ttl s] [--drop-upload-rate 0.1] [--date-style legacy] [--print-seed]`
 * Prints one JSON line with the URLs once listening (tests parse it), then runs until Ctrl-C.
 */
import { startContentServerSim } from './server';
import { DEFAULT_SEED } from './seed';
import type { Faults } from './faults';

function parseArgs(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (!a.startsWith('--')) throw new Error(`Unexpected argument '${a}'`);
    const eq = a.indexOf('=');
    if (eq > 0) out.set(a.slice(2, eq), a.slice(eq + 1));
    else if (a === '--print-seed') out.set('print-seed', 'true');
    else out.set(a.slice(2), argv[++i] ?? '');
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.has('print-seed')) {
    process.stdout.write(`${JSON.stringify(DEFAULT_SEED, null, 2)}\n`);
    return;
  }
  const num = (name: string): number | undefined => {
    const v = args.get(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${name} needs a number`);
    return n;
  };
  const faults: Partial<Faults> = {};
  const latency = num('latency');
  if (latency !== undefined) faults.latencyMs = latency;
  const errorRate = num('error-rate');
  if (errorRate !== undefined) faults.errorRate = errorRate;
  const ttl = num('ticket-ttl');
  if (ttl !== undefined) faults.ticketTtlSeconds = ttl;
  const drop = num('drop-upload-rate');
  if (drop !== undefined) faults.dropUploadRate = drop;
  const sim = await startContentServerSim({
    port: num('port') ?? 8181,
    host: args.get('host'),
    apiBase: args.get('api-base'),
    dataDir: args.get('data'),
    seed: args.get('seed'),
    faults,
    dateStyle: args.get('date-style') === 'legacy' ? 'legacy' : 'zulu',
  });
  process.stdout.write(
    `${JSON.stringify({ url: sim.url, apiBase: sim.apiBase, ui: `${sim.url}/__sim/ui`, port: sim.port, user: 'Admin', password: 'livelink' })}\n`,
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
