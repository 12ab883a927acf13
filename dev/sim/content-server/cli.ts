/**
 * `npm run sim:cs -- --port 8181 [--data dir] [--seed file.json] [--api-base /cs/cs/api]
 *  [--latency ms] [--error-rate 0.2] [--ticket-ttl s] [--drop-upload-rate 0.1] [--date-style legacy] [--print-seed]`
 * Prints one JSON line with the URLs once listening (tests parse it), then runs until Ctrl-C.
 */
import { numberOptions, parseSimArgs, printStartLine, runSimCli } from '../shared/cli';
import { startContentServerSim } from './server';
import { DEFAULT_SEED } from './seed';
import type { Faults } from './faults';

async function main(): Promise<{ stop(): Promise<void> } | undefined> {
  const args = parseSimArgs(process.argv.slice(2), { flags: new Set(['print-seed']) });
  if (args.has('print-seed')) {
    process.stdout.write(`${JSON.stringify(DEFAULT_SEED, null, 2)}\n`);
    return undefined;
  }
  const num = numberOptions(args);
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
  printStartLine({ url: sim.url, apiBase: sim.apiBase, ui: `${sim.url}/__sim/ui`, port: sim.port, user: 'Admin', password: 'livelink' });
  return sim;
}

runSimCli(main);
