/*
 * npm run chaos [-- --files 500 --kills 5 --seed 42 --protocols sftp,ftp --acks archive,delete,leave
 *                   --collisions add-version,skip-identical,rename,fail --polls 10000 --big-mib 1024 --restarts 3 --quick
 *                   --scenario kill,two-runtimes,cs-faults,server-restarts,soak,hostile]
 * Real processes, real faults: prints one summary line per run and exits 1 when any run broke a
 * guarantee. The seed of each run is printed, so a failure can be run again the same way.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CollisionPolicy } from '../../src/core/content-server';
import { startContentServerSim } from '../sim/content-server';
import { startDevServers, stopDevServers } from '../servers';
import { runHostile } from './hostile';
import { runIngest, type AckMode, type IngestOptions } from './ingest';
import { contentServerFaults, killAndRestart, restartServer, undisturbed } from './plans';
import { freshSeed } from './random';
import { runSoak } from './soak';

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const files = Number(option(args, 'files') ?? (quick ? 60 : 500));
  const kills = Number(option(args, 'kills') ?? (quick ? 2 : 5));
  const seed = Number(option(args, 'seed') ?? freshSeed());
  const list = <T extends string>(name: string, all: T[], short: T[]): T[] => (option(args, name)?.split(',') as T[] | undefined) ?? (quick ? short : all);
  const protocols = list<'sftp' | 'ftp'>('protocols', ['sftp', 'ftp'], ['sftp']);
  const acks = list<AckMode>('acks', ['archive', 'delete', 'leave'], ['archive', 'leave']);
  const collisions = list<CollisionPolicy | 'default'>('collisions', ['default', 'add-version', 'skip-identical', 'rename', 'fail'], ['default']);

  const scenarios = (option(args, 'scenario') ?? 'kill,two-runtimes,cs-faults,server-restarts,soak,hostile').split(',');
  const servers = await startDevServers();
  const dataDir = await mkdtemp(join(tmpdir(), 'filebridge-chaos-cs-'));
  const sim = await startContentServerSim({ dataDir });
  const runtime = { label: 'Node-RED 4.1', node: process.execPath, redJs: require.resolve('node-red/red.js') };
  let broken = 0;
  let n = 0;
  try {
    const run = async (o: Omit<IngestOptions, 'servers' | 'sim' | 'runtime' | 'seed' | 'log'>): Promise<void> => {
      const result = await runIngest({ ...o, servers, sim, runtime, seed: seed + n++, log: (line) => console.log(line) });
      console.log(result.line);
      for (const v of result.violations) console.log(`  BROKEN: ${v}`);
      if (result.violations.length > 0) broken++;
    };
    for (const protocol of protocols) {
      if (scenarios.includes('kill')) {
        for (const ack of acks) {
          for (const collision of collisions) {
            await run({ scenario: 'kill', protocol, ack, collision: collision === 'default' ? undefined : collision, files, plan: killAndRestart(kills) });
          }
        }
      }
      if (scenarios.includes('two-runtimes')) {
        await run({ scenario: 'two-runtimes', protocol, ack: 'archive', files: quick ? 100 : 1000, runtimes: 2, plan: undisturbed });
      }
      if (scenarios.includes('cs-faults')) {
        await run({ scenario: 'cs-faults', protocol, ack: 'archive', files, plan: contentServerFaults(quick ? 20_000 : 90_000) });
      }
      if (scenarios.includes('server-restarts')) {
        // The server goes down in the middle of a big transfer (claimed first: big.bin sorts before f-*) and of the small files.
        await run({
          scenario: 'server-restarts',
          protocol,
          ack: 'archive',
          files,
          bigFileBytes: Number(option(args, 'big-mib') ?? (quick ? 64 : 1024)) * 1024 * 1024,
          drainWithinMs: quick ? 90_000 : 300_000,
          plan: restartServer(protocol, Number(option(args, 'restarts') ?? (quick ? 1 : 3))),
        });
      }
      if (scenarios.includes('soak')) {
        const result = await runSoak({
          servers,
          runtime,
          protocol,
          files: quick ? 500 : 2000,
          polls: Number(option(args, 'polls') ?? (quick ? 300 : 10_000)),
          arrivalEveryMs: 1000,
          seed: seed + n++,
          log: (line) => console.log(line),
        });
        console.log(result.line);
        for (const v of result.violations) console.log(`  BROKEN: ${v}`);
        if (result.violations.length > 0) broken++;
      }
      if (scenarios.includes('hostile')) {
        const result = await runHostile({ servers, sim, runtime, protocol, seed: seed + n++, log: (line) => console.log(line) });
        console.log(result.line);
        for (const v of result.violations) console.log(`  BROKEN: ${v}`);
        if (result.violations.length > 0) broken++;
      }
    }
  } finally {
    await sim.stop();
    await rm(dataDir, { recursive: true, force: true });
    await stopDevServers();
  }
  console.log(broken === 0 ? `chaos: all ${n} runs kept every guarantee` : `chaos: ${broken} of ${n} runs broke a guarantee`);
  process.exitCode = broken === 0 ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
