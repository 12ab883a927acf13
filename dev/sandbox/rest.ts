/**
 * The sandbox's REST API: the REST simulator (dev/sim/rest), in this process, on loopback, on a fixed
 * port people can bookmark (like the other simulators'), with its data under the sandbox data folder.
 * The xConnector examples' REST connections get its API URL as their base URL and the login of their
 * own authentication type (user and password, bearer token, API key, or OAuth2 client credentials).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startRestSim, type RestSim, type RestTarget } from '../sim/rest';

/** What the banner and the status file say about the simulator. */
export interface RestInfo extends RestTarget {
  /** Base URL of the read-only web page (`<url>/`) and the inspection routes (`/_sim/...`). */
  url: string;
  port: number;
  /** Stored records, media and idempotency answers. */
  dataDir: string;
}

export interface SandboxRest {
  info: RestInfo;
  target: RestTarget;
  /** Why the preferred port was not used, for the console. */
  note: string | undefined;
  sim: RestSim;
  stop(): Promise<void>;
}

/**
 * Starts the simulator on `preferredPort`, or on a free port when that one is taken (a second
 * sandbox, a test run). Its data starts afresh each time (the seeded products).
 */
export async function startSandboxRest(sandboxDataDir: string, preferredPort: number): Promise<SandboxRest> {
  const dataDir = join(sandboxDataDir, 'rest');
  await rm(dataDir, { recursive: true, force: true });
  let note: string | undefined;
  let sim: RestSim;
  try {
    sim = await startRestSim({ port: preferredPort, dataDir });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || preferredPort === 0) throw err;
    sim = await startRestSim({ port: 0, dataDir });
    note = `Port ${preferredPort} is in use: the REST simulator listens on ${sim.port} instead (choose one with --rest-port).`;
  }
  const started = sim;
  const target: RestTarget = {
    apiUrl: sim.apiUrl,
    tokenUrl: sim.tokenUrl,
    user: sim.user,
    password: sim.password,
    bearerToken: sim.bearerToken,
    apiKey: sim.apiKey,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
  };
  return { info: { url: sim.url, port: sim.port, ...target, dataDir }, target, note, sim, stop: () => started.stop() };
}
