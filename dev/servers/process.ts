import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';

const HOST = '127.0.0.1';
const LOG_LINES_KEPT = 200;
const SUPERVISOR = join(__dirname, 'supervisor.js');

export interface ManagedProcessOptions {
  /** Shown in errors, e.g. "sshd". */
  name: string;
  command: string;
  args: readonly string[];
  /** The server counts as started once this port on 127.0.0.1 accepts a TCP connection. */
  port: number;
  startTimeoutMs?: number;
}

/** Supervisors still running, signalled synchronously from the parent's 'exit' handler. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers cannot wait; a signal is enough because the supervisor does the killing. If
  // even this does not run (SIGKILL), the supervisor sees its stdin close and cleans up anyway.
  process.on('exit', () => {
    for (const child of live) {
      if (child.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGTERM');
        } catch {
          // Already gone.
        }
      }
    }
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket: Socket = connect({ host: HOST, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * A server process run under `supervisor.js`, which can be stopped and started again with the same
 * command line (so the same port). Output is kept for error messages; set
 * FILEBRIDGE_DEVSERVERS_DEBUG=1 to also echo it to stderr.
 */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private readonly lines: string[] = [];

  constructor(private readonly options: ManagedProcessOptions) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The server's recent output (stdout and stderr), newest last. */
  log(): string {
    return this.lines.join('\n');
  }

  async start(): Promise<void> {
    if (this.child) return;
    installExitHook();
    const { name, command, args, port } = this.options;
    // Own process group: a Ctrl-C aimed at the test run reaches us through the stdin lifeline
    // instead of racing the supervisor's orderly shutdown.
    const child = spawn(process.execPath, [SUPERVISOR, command, ...args], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    live.add(child);
    let exitInfo: string | undefined;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, sig) => {
        exitInfo = sig ?? `code ${String(code)}`;
        live.delete(child);
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });
    let spawnError: Error | undefined;
    child.once('error', (err) => {
      spawnError = err;
    });
    const collect = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        this.lines.push(line);
        if (process.env.FILEBRIDGE_DEVSERVERS_DEBUG) process.stderr.write(`[${name}] ${line}\n`);
      }
      if (this.lines.length > LOG_LINES_KEPT) this.lines.splice(0, this.lines.length - LOG_LINES_KEPT);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    // Neither the supervisor nor its pipes should keep the test process alive on their own.
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as Socket | null)?.unref();

    const deadline = Date.now() + (this.options.startTimeoutMs ?? 15_000);
    for (;;) {
      if (spawnError) throw new Error(`Cannot start ${name}: ${spawnError.message}`);
      if (exitInfo !== undefined) {
        throw new Error(`${name} exited while starting (${exitInfo}). Its output:\n${this.log()}`);
      }
      if (await canConnect(port)) return;
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`${name} did not accept connections on ${HOST}:${port} in time. Its output:\n${this.log()}`);
      }
      await sleep(50);
    }
  }

  /** Kills the server and everything it forked (open sessions included) and waits until all are gone. */
  async stop(): Promise<void> {
    const child = this.child;
    const exited = this.exited;
    if (!child || !exited) return;
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    // This timer is deliberately ref'd: it keeps the event loop alive until the exit is seen.
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), 15_000);
    });
    const late = await Promise.race([exited.then(() => false), timedOut]);
    clearTimeout(timer);
    if (late && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Group already gone.
      }
      await exited;
      throw new Error(`${this.options.name} supervisor did not stop in time and was killed. Output:\n${this.log()}`);
    }
  }
}
