/**
 * Node-RED as a user runs it, for the whole-flow benchmarks: the packed package installed into a
 * fresh user directory by npm (as the palette manager does), Node-RED 4.1 in its own process, flows
 * deployed through the admin API, and that process's CPU and memory read from /proc so the
 * benchmark's own work is never charged to it.
 *
 * `BENCH_NODE_RED_ARGS` (space-separated) are given to the `node` that runs Node-RED, e.g.
 * `--max-old-space-size=256`, the heap cap Node-RED's documentation suggests for small devices.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installIntoUserDir, packPackage } from '../support/packed-package';
import { cpuMeter, rssBytes, watchRss, type RssWatch } from '../support/proc-stats';
import { startNodeRed, type RunningNodeRed } from '../sandbox/node-red-process';

import type { FlowNodeJson } from '../chaos/node-red';

export type { FlowNodeJson };

export interface FlowRig {
  readonly url: string;
  readonly pid: number;
  readonly userDir: string;
  /** Deploys the flows (a full deploy; credentials may sit in each node's `credentials`). */
  deploy(flows: readonly FlowNodeJson[]): Promise<void>;
  /** Presses an inject node of the deployed flows (the admin API's /inject/:id). */
  inject(nodeId: string): Promise<void>;
  /** Current RSS of the Node-RED process, bytes. */
  rss(): number;
  /** Starts sampling the Node-RED process's RSS. */
  watchRss(intervalMs?: number): RssWatch;
  /** Starts counting the Node-RED process's CPU seconds. */
  cpu(): { stop(): { seconds: number; cores: number } };
  /** The last lines Node-RED printed (for an error report). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts Node-RED 4.1 (the one in devDependencies, on this Node) with the packed package installed.
 * `extraSettings` are settings.js entries (e.g. a contextStorage block).
 */
export async function startFlowRig(options: { extraSettings?: string } = {}): Promise<FlowRig> {
  const work = await mkdtemp(join(tmpdir(), 'filebridge-bench-nr-'));
  const userDir = join(work, 'user');
  const { tarball } = await packPackage();
  await installIntoUserDir(tarball, userDir);
  let red: RunningNodeRed;
  try {
    red = await startNodeRed({ label: 'Node-RED 4.1', node: process.execPath, redJs: require.resolve('node-red/red.js') }, userDir, {
      extraSettings: `logging: { console: { level: 'warn' } },\n${options.extraSettings ?? ''}`,
      nodeArgs: (process.env.BENCH_NODE_RED_ARGS ?? '').split(' ').filter(Boolean),
    });
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    throw err;
  }
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<void> => {
    const res = await fetch(`${red.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`Node-RED ${method} ${path} answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
  };
  return {
    url: red.url,
    pid: red.pid,
    userDir,
    deploy: (flows) => call('POST', '/flows', flows, { 'Node-RED-Deployment-Type': 'full' }),
    async inject(nodeId) {
      // A deploy is answered before the new nodes have started; their admin route answers 404 until then.
      for (const deadline = Date.now() + 10_000; ;) {
        try {
          return await call('POST', `/inject/${encodeURIComponent(nodeId)}`);
        } catch (err) {
          if (!String(err).includes(' 404') || Date.now() > deadline) throw err;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    },
    rss: () => rssBytes(red.pid),
    watchRss: (intervalMs) => watchRss(red.pid, intervalMs),
    cpu: () => cpuMeter(red.pid),
    output: () => red.output(),
    async stop() {
      await red.stop();
      await rm(work, { recursive: true, force: true });
    },
  };
}
