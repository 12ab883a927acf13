import type { EventEmitter } from 'node:events';
import helper from 'node-red-node-test-helper';

export type FlowNode = Record<string, unknown> & { id: string; type: string };
export type Credentials = Record<string, Record<string, string>>;

/** `helper.load` with the loose flow objects the tests build (its typings want NodeDef shapes). */
export function loadFlow(nodes: unknown[], flow: Record<string, unknown>[], credentials: Credentials = {}): Promise<void> {
  return helper.load(nodes as never, flow as never, credentials as never);
}

/** The test helper emits `call:<method>` for status, warn, error... on every node it loads. */
export function onCall<T>(nodeId: string, method: 'status' | 'warn' | 'error' | 'log', listener: (call: { args: T[] }) => void): void {
  (helper.getNode(nodeId) as unknown as EventEmitter).on(`call:${method}`, listener);
}

/**
 * Collects what reaches the given nodes, in order. Node-RED keeps every `input` handler a node was
 * given (EventEmitter `once` wrappers included), so tests attach one collector per load instead.
 */
export class Arrivals<M> {
  private readonly queue: { id: string; msg: M }[] = [];
  private readonly waiting: ((arrival: { id: string; msg: M }) => void)[] = [];

  constructor(ids: string[]) {
    for (const id of ids) {
      helper.getNode(id).on('input', (msg: unknown) => {
        const arrival = { id, msg: msg as M };
        const waiter = this.waiting.shift();
        if (waiter) waiter(arrival);
        else this.queue.push(arrival);
      });
    }
  }

  next(): Promise<{ id: string; msg: M }> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

/*
 * The test helper's startServer and stopServer return promises, but their typings say void; the
 * callback form is typed, and reports a failure too.
 */
export function startTestServer(): Promise<void> {
  return new Promise((resolve, reject) =>
    helper.startServer((err?: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve())),
  );
}

export function stopTestServer(): Promise<void> {
  return new Promise((resolve, reject) =>
    helper.stopServer((err?: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve())),
  );
}
