/**
 * Runs one server process and guarantees it dies with the test process. Started by `ManagedProcess`
 * with a pipe on stdin: when that pipe closes (the parent exited, even by SIGKILL) or SIGTERM
 * arrives, it kills the server and every process the server forked, then exits.
 *
 * Usage: node supervisor.js <command> [args...]
 */
import { spawn } from 'node:child_process';
import { killDescendants } from './proctree';

function main(): void {
  const [command, ...args] = process.argv.slice(2);
  if (command === undefined) {
    process.stderr.write('supervisor: no command given\n');
    process.exit(2);
  }
  // The server writes straight to our stdout/stderr, which are pipes the parent reads.
  const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  let stopping = false;

  const shutdown = (exitCode: number): void => {
    if (stopping) return;
    stopping = true;
    killDescendants(process.pid).then(
      () => process.exit(exitCode),
      (err: unknown) => {
        process.stderr.write(`supervisor: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  };

  child.on('error', (err) => {
    process.stderr.write(`supervisor: cannot start ${command}: ${err.message}\n`);
    shutdown(127);
  });
  child.on('exit', (code, sig) => {
    if (stopping) return;
    process.stderr.write(`supervisor: ${command} exited on its own (${sig ?? `code ${String(code)}`})\n`);
    shutdown(code === 0 || code === null ? 1 : code);
  });

  process.stdin.on('end', () => shutdown(0));
  process.stdin.on('error', () => shutdown(0));
  process.stdin.resume();
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => shutdown(0));
}

main();
