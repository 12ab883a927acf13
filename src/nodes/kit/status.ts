import type { NodeStatus } from 'node-red';
import type { PoolState } from '../../core/remote/session-pool';

/** The short status text and colour for a pool state, shared by every node that uses a server. */
export function statusForPool(state: PoolState): NodeStatus {
  switch (state.state) {
    case 'connected':
      return { fill: 'green', shape: 'dot', text: 'connected' };
    case 'connecting':
      return { fill: 'yellow', shape: 'ring', text: state.attempt > 1 ? `connecting (try ${state.attempt})` : 'connecting' };
    case 'error': {
      const retry = state.nextAttemptInMs !== undefined ? `, retry in ${Math.ceil(state.nextAttemptInMs / 1000)} s` : '';
      return { fill: 'red', shape: 'ring', text: `${state.error.code}${retry}` };
    }
    case 'idle':
      return { fill: 'grey', shape: 'ring', text: 'idle' };
  }
}

/** Status texts sit under the node on the canvas: longer ones are cut, with an ellipsis to show it. */
export function shortStatus(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
