/**
 * `npm run bench`: every part of the benchmark, each next to its reference from the same run, as one
 * table (the README's Performance section).
 *
 *   npm run bench                       # everything, 3 runs per measurement (under 20 minutes here)
 *   npm run bench -- --quick            # small sizes, one run: proves each part works (CI runs it)
 *   npm run bench -- --only raw,flow    # some parts
 *   npm run bench -- --runs 5           # more runs per measurement
 *   npm run bench -- --json out.json    # the rows as JSON too
 *
 * Needs root for the parts that start sshd and vsftpd (they create a throwaway user).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevServers, stopDevServers, type DevServers } from '../servers';
import { markdownTable, verdictOf, type BenchRow } from './report';
import type { BenchContext, BenchSection } from './section';
import { rawStreamsSection } from './raw-streams';
import { wholeFlowSection } from './whole-flow';
import { smallFilesSection } from './small-files';
import { busyFoldersSection } from './busy-folders';
import { dropboxSection } from './dropbox-transfer';
import { file360Section } from './file360-transfer';
import { simulatorFlowsSection } from './simulator-flows';

/** The parts in the order they run and print. */
const SECTIONS: readonly BenchSection[] = [
  rawStreamsSection,
  wholeFlowSection,
  smallFilesSection,
  busyFoldersSection,
  dropboxSection,
  file360Section,
  simulatorFlowsSection,
];

interface Options {
  quick: boolean;
  runs: number;
  only?: string[];
  json?: string;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { quick: false, runs: 3 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--quick') options.quick = true;
    else if (arg === '--runs') {
      const runs = Number(value());
      if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number of at least 1, got "${argv[i]}"`);
      options.runs = runs;
    } else if (arg === '--only') options.only = value().split(',');
    else if (arg === '--json') options.json = value();
    else throw new Error(`Unknown option "${arg}". Options: --quick, --runs N, --only <part,...>, --json <file>`);
  }
  if (options.quick) options.runs = 1;
  const known = SECTIONS.map((s) => s.name);
  for (const name of options.only ?? []) {
    if (!known.includes(name)) throw new Error(`--only: no part "${name}"; the parts are ${known.join(', ')}`);
  }
  return options;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const sections = SECTIONS.filter((s) => options.only === undefined || options.only.includes(s.name));
  const work = await mkdtemp(join(tmpdir(), 'filebridge-bench-'));
  let servers: Promise<DevServers> | undefined;
  const context: BenchContext = {
    quick: options.quick,
    runs: options.runs,
    work,
    servers: () => (servers ??= startDevServers()),
    log: (line) => process.stderr.write(`${line}\n`),
  };
  const rows: BenchRow[] = [];
  const started = performance.now();
  try {
    for (const section of sections) {
      const sectionStarted = performance.now();
      context.log(`--- ${section.name}`);
      rows.push(...(await section.run(context)));
      context.log(`--- ${section.name}: ${((performance.now() - sectionStarted) / 1000).toFixed(0)} s`);
    }
  } finally {
    if (servers) await stopDevServers();
    await rm(work, { recursive: true, force: true });
  }
  const when = new Date().toISOString().slice(0, 10);
  process.stdout.write(
    `\n${markdownTable(rows)}\n\n${options.quick ? 'Quick run (small sizes, one run each): the figures prove that each part works, not its speed.\n' : `Median of ${options.runs} run(s) per figure.\n`}` +
      `Date ${when}, ${((performance.now() - started) / 60_000).toFixed(1)} min in all.\n`,
  );
  if (options.json) await writeFile(options.json, `${JSON.stringify({ date: when, quick: options.quick, runs: options.runs, rows }, null, 2)}\n`);
  const missed = rows.filter((row) => verdictOf(row) === 'MISSED');
  if (missed.length > 0 && !options.quick) context.log(`${missed.length} target(s) missed: ${missed.map((r) => r.what).join('; ')}`);
  // A part that ran but could not measure a figure is broken, which is what the quick run in CI is for.
  const unmeasured = rows.filter((row) => row.ours === undefined);
  if (unmeasured.length > 0) {
    context.log(`Not measured: ${unmeasured.map((r) => `${r.section}: ${r.what}`).join('; ')}`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
