import { ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
/** A Node.js binary and the Node-RED launcher to run with it. */
export interface Runtime {
  label: string;
  node: string;
  redJs: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface RunningNodeRed {
  url: string;
  /** The Node-RED process, for the benchmark's CPU and memory readings. */
  pid: number;
  output: () => string;
  stop: () => Promise<void>;
  /** Ends the process at once with SIGKILL (what a crash or `kill -9` does: no close handlers, no flush). */
  kill: () => Promise<void>;
}

/**
 * Starts a real Node-RED (the given runtime) on a loopback port with `userDir`, and waits until its
 * admin API answers. Used by the sandbox and by the tests that need the whole runtime.
 */
export async function startNodeRed(
  runtime: Runtime,
  userDir: string,
  options: { port?: number; extraSettings?: string; echo?: boolean; nodeArgs?: readonly string[] } = {},
): Promise<RunningNodeRed> {
  const port = options.port ?? (await freePort());
  const extraSettings = options.extraSettings ?? '';
  const settings = join(userDir, 'settings.js');
  await writeFile(
    settings,
    `module.exports = {
  uiHost: '127.0.0.1',
  uiPort: ${port},
  flowFile: 'flows.json',
  credentialSecret: 'filebridge-test-secret',
  telemetry: { enabled: false },
  editorTheme: { tours: false },
  logging: { console: { level: 'info' } },
  ${extraSettings}
};\n`,
  );
  let log = '';
  const child: ChildProcess = spawn(runtime.node, [...(options.nodeArgs ?? []), runtime.redJs, '--userDir', userDir, '--settings', settings], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_RED_ENABLE_PROJECTS: 'false' },
  });
  const collect = (d: Buffer): void => {
    // Keep the tail only: the sandbox runs for hours.
    log = (log + d.toString()).slice(-200_000);
    if (options.echo) process.stdout.write(d);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${runtime.label} exited early:\n${log}`);
    try {
      // /auth/login answers with and without adminAuth; /settings would need a login.
      const res = await fetch(`${url}/auth/login`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${runtime.label} did not answer within 90 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    pid: child.pid ?? 0,
    output: () => log,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
