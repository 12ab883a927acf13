import helper from 'node-red-node-test-helper';
import { startTestServer, stopTestServer } from './flow-helper';
import { ContentServerClient, type ContentServerClientOptions } from '../../src/core/content-server';
import { startContentServerSim, type ContentServerSim } from '../../dev/sim/content-server';

export interface SimulatorFlowsOptions {
  /** A fresh simulator for every test instead of one for the describe block. */
  perTest?: boolean;
  /** Settings of the Admin client beyond its URL and login (`categoryTemplates`...). */
  client?: Partial<ContentServerClientOptions>;
}

export interface SimulatorFlows {
  /** The Content Server simulator, on a free port. */
  sim: ContentServerSim;
  /** A client logged in as Admin (password livelink), made on first use and closed before the simulator stops. */
  client: ContentServerClient;
}

/**
 * The setup of node and example tests that run flows against the Content Server simulator: call it
 * in a describe block to start the simulator (for the block, or per test with `perTest`) and a
 * fresh node-red-node-test-helper runtime around every test, and to stop them again.
 *
 * `sim` and `client` stand for the running ones: use them in tests and in hooks registered after
 * this call (they are stand-ins that forward to the current simulator and client, so a block can
 * keep writing `sim.apiBase` while a per-test simulator changes underneath).
 */
export function simulatorAndNodeRed(options: SimulatorFlowsOptions = {}): SimulatorFlows {
  let sim: ContentServerSim | undefined;
  /*
   * The last simulator stays reachable after it stopped: code of a test that timed out may still be
   * running, and it must fail on its own (connection refused) instead of throwing into whichever
   * test runs next.
   */
  let last: ContentServerSim | undefined;
  let client: ContentServerClient | undefined;
  const start = async (): Promise<void> => {
    sim = await startContentServerSim({ port: 0 });
    last = sim;
  };
  const stop = async (): Promise<void> => {
    await client?.close();
    client = undefined;
    await sim?.stop();
    sim = undefined;
  };
  const runningSim = (): ContentServerSim => {
    const current = sim ?? last;
    if (!current) throw new Error('The simulator is not running: use it in a test, or in a hook registered after simulatorAndNodeRed()');
    return current;
  };
  const adminClient = (): ContentServerClient => {
    client ??= new ContentServerClient({
      baseUrl: runningSim().apiBase,
      auth: { kind: 'password', username: 'Admin', password: 'livelink' },
      ...options.client,
    });
    return client;
  };

  if (options.perTest) {
    beforeEach(async () => {
      await start();
      await startTestServer();
    });
    afterEach(async () => {
      await helper.unload();
      await stopTestServer();
      await stop();
    });
  } else {
    before(start);
    after(stop);
    beforeEach(() => startTestServer());
    afterEach(async () => {
      await helper.unload();
      await stopTestServer();
    });
  }
  return { sim: standIn(runningSim), client: standIn(adminClient) };
}

/** An object that forwards every property read to what `current()` returns at that moment. */
function standIn<T extends object>(current: () => T): T {
  return new Proxy({} as T, {
    get(_target, property) {
      const target = current();
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
