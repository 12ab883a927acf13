import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gcFunction: (() => void) | undefined;

function collector(): () => void {
  if (gcFunction === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed !== undefined) {
      gcFunction = exposed;
    } else {
      // Mocha runs without --expose-gc; a fresh context created after setting the flag has gc().
      setFlagsFromString('--expose-gc');
      gcFunction = runInNewContext('gc') as () => void;
    }
  }
  return gcFunction;
}

/**
 * Array buffer bytes still referenced after a full collection: what a stream really holds, not the
 * garbage a transfer leaves behind until V8 next collects (the SSH receive path, for one, leaves
 * copies of every payload byte as garbage, and whether it is gone yet varies between runs and V8
 * versions).
 */
export async function retainedArrayBuffers(): Promise<number> {
  const gc = collector();
  gc();
  // Let freed backing stores be released before sampling.
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  return process.memoryUsage().arrayBuffers;
}
