/**
 * The sandbox's Content Server: the simulator, in this process, on loopback, with its content under
 * the sandbox data folder so a person can look at what the examples filed (its web page, or the
 * files themselves after the sandbox stopped).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startContentServerSim, type ContentServerSim } from '../sim/content-server';
import { DEFAULT_SEED } from '../sim/content-server/seed';
import type { ContentServerTarget } from './flows';

/** The user the examples log in as: the seed's administrator (permissions never get in the way). */
const SANDBOX_USER = 'Admin';

/** What the banner and the status file say about the simulator. */
export interface ContentServerInfo {
  /** The read-only web page. */
  ui: string;
  /** REST API base, what a `filebridge-cs-connection` takes as its URL. */
  apiBase: string;
  port: number;
  username: string;
  /** Shown like the FTP servers' throwaway password: the simulator is local and seeded. */
  password: string;
  /** Content files and `state.json`. */
  dataDir: string;
}

export interface SandboxContentServer {
  info: ContentServerInfo;
  target: ContentServerTarget;
  /** Why the preferred port was not used, for the console. */
  note: string | undefined;
  sim: ContentServerSim;
  stop(): Promise<void>;
}

function sandboxPassword(): string {
  const user = DEFAULT_SEED.users.find((u) => u.name === SANDBOX_USER);
  if (!user) throw new Error(`The simulator seed has no user ${SANDBOX_USER}.`);
  return user.password;
}

/**
 * Starts the simulator on `preferredPort` (a stable address people can bookmark), or on a free port
 * when that one is taken (a second sandbox, a test run). The repository starts afresh each time:
 * records management, holds, permissions and workflows live in memory only, so documents kept from
 * an earlier run would show without them. The files stay on disk after a stop, for a look at them.
 */
export async function startSandboxContentServer(sandboxDataDir: string, preferredPort: number): Promise<SandboxContentServer> {
  const dataDir = join(sandboxDataDir, 'content-server');
  await rm(dataDir, { recursive: true, force: true });
  let note: string | undefined;
  let sim: ContentServerSim;
  try {
    sim = await startContentServerSim({ port: preferredPort, host: '127.0.0.1', dataDir });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || preferredPort === 0) throw err;
    sim = await startContentServerSim({ port: 0, host: '127.0.0.1', dataDir });
    note = `Port ${preferredPort} is in use: the Content Server simulator listens on ${sim.port} instead (choose one with --cs-port).`;
  }
  const password = sandboxPassword();
  const started = sim;
  return {
    info: { ui: `${sim.url}/__sim/ui`, apiBase: sim.apiBase, port: sim.port, username: SANDBOX_USER, password, dataDir },
    target: { baseUrl: sim.apiBase, username: SANDBOX_USER, password },
    note,
    sim,
    stop: () => started.stop(),
  };
}
