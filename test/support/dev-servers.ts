/**
 * Mocha global fixture (required by .mocharc.servers.json, which the integration and browser tests
 * run with; the unit tests never load it): one set of real local servers for the whole run.
 * Tests call `servers()`; a test that stops a server must start it again (or call
 * `servers().startAll()`) before it ends, since every later test shares them.
 */
import { startDevServers, stopDevServers, type DevServers } from '../../dev/servers';

let running: DevServers | undefined;

export async function mochaGlobalSetup(): Promise<void> {
  // Missing programs or not being root fail here with the apt package or fix to apply: tests that
  // silently skip their servers would report green for code that was never exercised.
  running = await startDevServers();
}

export async function mochaGlobalTeardown(): Promise<void> {
  running = undefined;
  await stopDevServers();
}

/** The servers started for this run. */
export function servers(): DevServers {
  if (!running)
    throw new Error('The dev servers are not running: run mocha with --config .mocharc.servers.json, which loads build/test/support/dev-servers.js.');
  return running;
}
