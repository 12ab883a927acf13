/**
 * What the simulators' command lines share (`npm run sim:cs`, `sim:dropbox`, `sim:f360`): `--name
 * value` / `--name=value` options and value-less flags, number options, the one JSON start line that
 * tests and scripts parse, and running until SIGINT / SIGTERM.
 */

export interface SimArgsSpec {
  /** Options taken without a value (set to 'true'). */
  flags: ReadonlySet<string>;
  /** The options there are; an other one is an error. Absent: any option is taken. */
  known?: ReadonlySet<string>;
  /**
   * Strict: an unknown option is refused where it stands, an option without a value and an empty
   * number are errors. Otherwise (the Dropbox and Content Server simulators, as they always were)
   * unknown options are refused after the whole line is read and a missing value is ''.
   */
  strict?: boolean;
}

export function parseSimArgs(argv: string[], spec: SimArgsSpec): Map<string, string> {
  const out = new Map<string, string>();
  const check = (key: string): void => {
    if (spec.known && !spec.known.has(key)) throw new Error(`Unknown option --${key}`);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (!a.startsWith('--')) throw new Error(`Unexpected argument '${a}'`);
    const eq = a.indexOf('=');
    const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (spec.strict) check(key);
    if (eq > 0) out.set(key, a.slice(eq + 1));
    else if (spec.flags.has(key)) out.set(key, 'true');
    else {
      const v = argv[++i];
      if (v === undefined && spec.strict) throw new Error(`--${key} needs a value`);
      out.set(key, v ?? '');
    }
  }
  if (!spec.strict) for (const key of out.keys()) check(key);
  return out;
}

/** Reads number options from parsed arguments: undefined when absent, an error when not a number ('' only with strict). */
export function numberOptions(args: Map<string, string>, strict = false): (name: string) => number | undefined {
  return (name) => {
    const v = args.get(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if ((strict && v.trim() === '') || !Number.isFinite(n)) throw new Error(`--${name} needs a number`);
    return n;
  };
}

/** Sets `faults[key]` from the number option `--flag` when it is given. */
export function numberFault<F>(faults: Partial<F>, num: (name: string) => number | undefined, flag: string, key: keyof F): void {
  const n = num(flag);
  if (n !== undefined) (faults as Record<keyof F, unknown>)[key] = n;
}

/** Writes the start line: one JSON object on one line. */
export function printStartLine(info: object): void {
  process.stdout.write(`${JSON.stringify(info)}\n`);
}

/**
 * Runs a simulator's `main` (which starts it and prints its start line): stops it on SIGINT / SIGTERM
 * (exit 0, or 1 if stopping failed); a failure to start is written to stderr with exit code 1.
 * `main` may resolve with nothing (a command that only prints, like `--print-seed`).
 */
export function runSimCli(main: () => Promise<{ stop(): Promise<void> } | undefined>): void {
  main().then(
    (sim) => {
      if (!sim) return;
      const stop = (): void => {
        sim.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
