import { Readable } from 'node:stream';
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

/**
 * Heap and array buffer bytes still referenced after a full collection: what a reader really holds.
 * In a long test process V8 lets garbage pile up before it collects (the RSS of a record reader grew
 * +56 MiB in a fresh process and +254 MiB late in the CI run, for the same code), so "holds nothing
 * of the file" is proven on this, and the RSS is reported beside it.
 */
export async function retainedBytes(): Promise<number> {
  const gc = collector();
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

const MiB = 1024 * 1024;

/**
 * `size` bytes of a seeded pattern in 1 MiB blocks (each numbered in its first 4 bytes), made as they
 * are read: a large file for a transfer test that is never all in memory. The same seed gives the
 * same bytes, so a test hashes one run and compares what arrived from another.
 */
export function generatedBytes(size: number, seed: Buffer): Readable {
  let made = 0;
  let counter = 0;
  return new Readable({
    highWaterMark: MiB,
    read() {
      if (made >= size) return void this.push(null);
      const n = Math.min(MiB, size - made);
      const block = Buffer.alloc(n, seed);
      block.writeUInt32BE(counter++, 0);
      made += n;
      this.push(block);
    },
  });
}

/** The RSS sampler of dev/support (the benchmark uses it too): `stop()` gives the peak growth over the baseline. */
export { rssSampler } from '../../dev/support/rss-sampler';
