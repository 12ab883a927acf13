/**
 * The sandbox's Dropbox: the Dropbox simulator (dev/sim/dropbox), in this process, on loopback, on a
 * fixed port people can bookmark (like the Content Server simulator's), with its content under the
 * sandbox data folder. The Dropbox examples' server configurations get its URL as their service URL,
 * its app key, and its refresh token as the stored sign-in (what "Connect to Dropbox" would store).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startDropboxSim, type DropboxSim } from '../sim/dropbox';
import type { DropboxTarget } from './flows';

/** What the banner and the status file say about the simulator. */
export interface DropboxInfo {
  /** Base URL of the API routes and of the read-only web page (`<url>/`). */
  url: string;
  port: number;
  /** The app key the simulator knows (what an integrator types into the server configuration). */
  appKey: string;
  /** The simulator's refresh token, stored as each Dropbox configuration's sign-in. */
  refreshToken: string;
  /** Content files of the simulated account. */
  dataDir: string;
}

export interface SandboxDropbox {
  info: DropboxInfo;
  target: DropboxTarget;
  /** Why the preferred port was not used, for the console. */
  note: string | undefined;
  sim: DropboxSim;
  stop(): Promise<void>;
}

/**
 * Starts the simulator on `preferredPort`, or on a free port when that one is taken (a second
 * sandbox, a test run). The account starts afresh each time (the seeded folders and team space):
 * the simulator keeps its tree in memory, so files left on disk from an earlier run would not show.
 */
export async function startSandboxDropbox(sandboxDataDir: string, preferredPort: number): Promise<SandboxDropbox> {
  const dataDir = join(sandboxDataDir, 'dropbox');
  await rm(dataDir, { recursive: true, force: true });
  let note: string | undefined;
  let sim: DropboxSim;
  try {
    sim = await startDropboxSim({ port: preferredPort, host: '127.0.0.1', dataDir });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || preferredPort === 0) throw err;
    sim = await startDropboxSim({ port: 0, host: '127.0.0.1', dataDir });
    note = `Port ${preferredPort} is in use: the Dropbox simulator listens on ${sim.port} instead (choose one with --dropbox-port).`;
  }
  const started = sim;
  return {
    info: { url: sim.url, port: sim.port, appKey: sim.appKey, refreshToken: sim.refreshToken, dataDir },
    target: { url: sim.url, appKey: sim.appKey, refreshToken: sim.refreshToken },
    note,
    sim,
    stop: () => started.stop(),
  };
}
