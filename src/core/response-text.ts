/*
 * Reading a fetch Response body as text with a size limit, shared by the File 360 and Dropbox
 * clients: a peer (or whatever answers in its place) cannot fill memory with an endless body.
 */

export interface ResponseTextOptions {
  /**
   * With it, a body larger than the limit fails with this error and none of it is returned (an
   * answer to parse must be whole). Without it, reading stops at the limit and the rest is cut
   * (error bodies, where the start is enough for a message).
   */
  tooLarge?: () => Error;
  /** A body that breaks off while being read gives what came so far instead of failing. */
  keepPartial?: boolean;
}

/** Reads at most `limit` bytes of `res`'s body as UTF-8 text ('' without a body); the stream is cancelled after. */
export async function readResponseText(res: Response, limit: number, options: ResponseTextOptions = {}): Promise<string> {
  if (!res.body) return '';
  const { tooLarge, keepPartial = false } = options;
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    while (tooLarge || size < limit) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (err) {
        if (keepPartial) break;
        throw err;
      }
      if (chunk.done) break;
      size += chunk.value.length;
      if (tooLarge && size > limit) throw tooLarge();
      parts.push(chunk.value);
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(parts).subarray(0, limit).toString('utf8');
}
