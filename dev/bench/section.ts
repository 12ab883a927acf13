/**
 * What a part of `npm run bench` is given and gives back. Every part measures ours next to its
 * reference in the same run and returns rows (report.ts); the command line (cli.ts) runs them in turn,
 * shares one set of dev servers among them, and prints one table.
 */
import type { DevServers } from '../servers';
import type { BenchRow } from './report';

export interface BenchContext {
  /** `--quick`: small sizes and one run, to prove in CI that every part works (figures not meaningful). */
  readonly quick: boolean;
  /** Runs per measurement (the median is reported): 1 when quick, 3 by default, `--runs N`. */
  readonly runs: number;
  /** A scratch folder of this benchmark run, removed at its end. */
  readonly work: string;
  /** sshd and vsftpd on loopback with a throwaway user, started once on first use. */
  servers(): Promise<DevServers>;
  /** Progress for the reader (stderr); the results table goes to stdout. */
  log(line: string): void;
}

export interface BenchSection {
  /** Short name for `--only` and the table's Part column. */
  readonly name: string;
  run(context: BenchContext): Promise<BenchRow[]>;
}
