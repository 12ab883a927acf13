import type { Node, NodeAPI, NodeMessage } from 'node-red';

/**
 * A TypedInput's value for one message (msg, flow, global, env, JSONata...), as a promise. Node-RED
 * answers through a callback for context stores that are asynchronous (file, Redis), and some
 * types throw instead of calling back: both end as a rejection here.
 */
export function evaluateProperty(RED: NodeAPI, node: Node, msg: object, value: string, type: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    try {
      RED.util.evaluateNodeProperty(value, type, node, msg as NodeMessage, (err: Error | null, result: unknown) => (err ? reject(err) : resolve(result)));
    } catch (err) {
      reject(err);
    }
  });
}

/**
 * The same, at once: for a decision that must be taken before the message is queued (the order of
 * arrival matters). Only for types that need no asynchronous context store; may throw.
 */
export function evaluatePropertyNow(RED: NodeAPI, node: Node, msg: object, value: string, type: string): unknown {
  return RED.util.evaluateNodeProperty(value, type, node, msg as NodeMessage);
}
