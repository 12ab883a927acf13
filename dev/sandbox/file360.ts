/**
 * The sandbox's File 360: the File 360 simulator (dev/sim/file360), in this process, on loopback, on
 * a fixed port people can bookmark (like the other simulators'), with its content under the sandbox
 * data folder. The File 360 examples' server configurations get its URL as their API and SSO URL,
 * its client id, and its client secret as the stored credential (the client-credentials grant).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startFile360Sim, type File360Sim } from '../sim/file360';
import type { File360Target } from './flows';

/** What the banner and the status file say about the simulator. */
export interface File360Info {
  /** Base URL of the API, the token endpoint and the read-only web page (`<url>/`). */
  url: string;
  port: number;
  /** The OAuth client the simulator knows (what an integrator types into the server configuration). */
  clientId: string;
  /** Its secret, stored as each File 360 configuration's `clientSecret` credential. */
  clientSecret: string;
  /** The simulated account the client signs in as. */
  user: string;
  /** Content files of the simulated account. */
  dataDir: string;
}

export interface SandboxFile360 {
  info: File360Info;
  target: File360Target;
  /** Why the preferred port was not used, for the console. */
  note: string | undefined;
  sim: File360Sim;
  stop(): Promise<void>;
}

/**
 * Starts the simulator on `preferredPort`, or on a free port when that one is taken (a second
 * sandbox, a test run). The account starts afresh each time (the seeded company): the simulator
 * keeps its tree in memory, so files left on disk from an earlier run would not show.
 */
export async function startSandboxFile360(sandboxDataDir: string, preferredPort: number): Promise<SandboxFile360> {
  const dataDir = join(sandboxDataDir, 'file360');
  await rm(dataDir, { recursive: true, force: true });
  let note: string | undefined;
  let sim: File360Sim;
  try {
    sim = await startFile360Sim({ port: preferredPort, host: '127.0.0.1', dataDir });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || preferredPort === 0) throw err;
    sim = await startFile360Sim({ port: 0, host: '127.0.0.1', dataDir });
    note = `Port ${preferredPort} is in use: the File 360 simulator listens on ${sim.port} instead (choose one with --f360-port).`;
  }
  const started = sim;
  return {
    info: { url: sim.url, port: sim.port, clientId: sim.clientId, clientSecret: sim.clientSecret, user: sim.user, dataDir },
    target: { apiUrl: sim.url, ssoUrl: sim.ssoUrl, clientId: sim.clientId, clientSecret: sim.clientSecret },
    note,
    sim,
    stop: () => started.stop(),
  };
}
