import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

export interface RunOptions {
  /** Text written to the command's stdin (e.g. `user:password` for chpasswd). */
  input?: string;
  cwd?: string;
}

/** Runs a command to completion and returns its stdout; fails with stderr in the message. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new Error(`Cannot run ${command}: ${e.message}`, { cause: e })));
    child.on('close', (code, signal) => {
      if (code === 0) {
        resolve(Buffer.concat(out).toString('utf8'));
        return;
      }
      const stderr = Buffer.concat(err).toString('utf8').trim();
      const how = signal !== null ? `signal ${signal}` : `exit code ${String(code)}`;
      reject(new Error(`${command} ${args.join(' ')} failed (${how})${stderr ? `: ${stderr}` : ''}`));
    });
    // A command that exits without reading its stdin must not turn into an EPIPE crash.
    child.stdin.on('error', () => undefined);
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds a command on PATH (plus the sbin folders, which a non-root PATH often lacks). */
export function findCommand(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin']);
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = `${dir}/${name}`;
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
