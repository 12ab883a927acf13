import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import serverNode from '../../src/nodes/filebridge-server';
import watchNode from '../../src/nodes/filebridge-watch';
import ackNode from '../../src/nodes/filebridge-ack';
import quarantineNode from '../../src/nodes/filebridge-quarantine';
import type { Protocol } from '../../src/core/remote/types';
import { servers } from './dev-servers';
import { coreNode } from './node-red-under-test';
import { Arrivals, loadFlow } from './flow-helper';
import { pipelineSink } from './pipeline-sink';
import { serverConfigNode } from './server-config-node';

/*
 * The flow the watch, ack and quarantine node tests run: watch -> test-sink -> ack, with a Catch
 * node sending failures to quarantine, on the run's real test servers (test/support/dev-servers.ts).
 */

const NODES: unknown[] = [serverNode, watchNode, ackNode, quarantineNode, pipelineSink, coreNode('common/25-catch.js')];

export type Msg = Record<string, unknown> & {
  payload?: unknown;
  filename?: string;
  error?: { code?: string; message: string };
  filebridge?: {
    correlationId?: string;
    source?: Record<string, unknown> & { relativePath: string; name: string; sha256?: string; attempt: number };
    audit?: Record<string, unknown> & { sourceNowAt?: string; sha256?: string; outcome: string; bytes: number };
    quarantine?: { path: string; reportPath: string; report: Record<string, unknown> };
  };
};

export const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Every file below a local folder, as paths relative to it. */
export async function localFiles(rel: string): Promise<string[]> {
  const root = servers().localPath(rel);
  const out: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const relPath = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(dir, e.name), relPath);
      else out.push(relPath);
    }
  };
  await walk(root, '');
  return out.sort();
}

export interface FlowOptions {
  watch?: Record<string, unknown>;
  ack?: Record<string, unknown>;
  quarantine?: Record<string, unknown>;
  server?: Record<string, unknown>;
  /** Suffix for every id, so two flows (two tabs, two server configs) can run side by side. */
  suffix?: string;
  /** The test helper loads a core node's module once per node of that type: only one Catch per load. */
  noCatch?: boolean;
}

/** watch -> test-sink -> ack -> acked, and Catch(sink, ack) -> quarantine -> quarantined. */
export function pipeline(protocol: Protocol, folder: string, o: FlowOptions = {}): Record<string, unknown>[] {
  const x = o.suffix ?? '';
  const nodes: Record<string, unknown>[] = [
    { id: `tab${x}`, type: 'tab', label: `test${x}` },
    serverConfigNode(protocol, { id: `srv${x}`, poolSize: 4, ...o.server }),
    {
      id: `watch${x}`,
      z: `tab${x}`,
      x: 100,
      y: 100,
      type: 'filebridge-watch',
      server: `srv${x}`,
      folder,
      intervalSeconds: 0.25,
      stability: 'stable',
      stableSeconds: 0.8,
      output: 'stream',
      sha256: true,
      ledger: true,
      maxInFlight: 20,
      maxPerPoll: 100,
      wires: [[`sink${x}`]],
      ...o.watch,
    },
    { id: `sink${x}`, z: `tab${x}`, x: 300, y: 100, type: 'test-sink', wires: [[`ack${x}`]] },
    { id: `ack${x}`, z: `tab${x}`, x: 500, y: 100, type: 'filebridge-ack', action: 'archive', archiveTemplate: '', wires: [[`acked${x}`]], ...o.ack },
    { id: `acked${x}`, z: `tab${x}`, x: 700, y: 100, type: 'helper' },
    { id: `catch${x}`, z: `tab${x}`, x: 100, y: 200, type: 'catch', scope: [`sink${x}`, `ack${x}`], uncaught: false, wires: [[`quarantine${x}`]] },
    { id: `quarantine${x}`, z: `tab${x}`, x: 300, y: 200, type: 'filebridge-quarantine', folder: '', wires: [[`quarantined${x}`]], ...o.quarantine },
    { id: `quarantined${x}`, z: `tab${x}`, x: 500, y: 200, type: 'helper' },
  ];
  return o.noCatch ? nodes.filter((n) => n.type !== 'catch') : nodes;
}

/** Collects everything that reaches the acked and quarantined helpers of the given suffixes. */
export class Outcomes {
  readonly acked: Msg[] = [];
  readonly quarantined: Msg[] = [];
  constructor(suffixes: string[] = ['']) {
    const ids = suffixes.flatMap((x) => [`acked${x}`, `quarantined${x}`]);
    const arrivals = new Arrivals<Msg>(ids);
    void (async () => {
      for (;;) {
        const { id, msg } = await arrivals.next();
        (id.startsWith('acked') ? this.acked : this.quarantined).push(msg);
      }
    })();
  }
}

export async function load(flow: Record<string, unknown>[], suffixes: string[] = [''], extraNodes: unknown[] = []): Promise<Outcomes> {
  const creds: Record<string, Record<string, string>> = {};
  for (const x of suffixes) creds[`srv${x}`] = { password: servers().password };
  await loadFlow([...NODES, ...extraNodes], flow, creds);
  return new Outcomes(suffixes);
}
