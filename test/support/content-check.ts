import type { ContentCheck, ValidationError } from '../../src/core/validate/types';

/** Feeds `data` in chunks of `size` bytes, as a stream would, and returns what the check reports. */
export async function run(check: ContentCheck, data: Buffer | string, size = 7): Promise<ValidationError[]> {
  const buf = Buffer.from(data);
  for (let i = 0; i < buf.length; i += size) await check.update(buf.subarray(i, i + size));
  return check.finish();
}
