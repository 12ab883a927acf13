/** The one limited body reader of the File 360 and Dropbox clients: refuse over the limit, or cut there; a body that breaks off fails or gives what came. */
import assert from 'node:assert/strict';
import { readLimitedText } from '../../../src/core/dropbox/http';
import { FileBridgeError } from '../../../src/core/errors';
import { readBodyText, readErrorText } from '../../../src/core/file360/json';
import { readResponseText } from '../../../src/core/response-text';

/** An endless body of 1 KiB chunks of `fill`, counting what was pulled and whether it was cancelled. */
function endless(fill = 0x61): { body: ReadableStream<Uint8Array>; pulled: () => number; cancelled: () => boolean } {
  let pulled = 0;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      pulled++;
      c.enqueue(new Uint8Array(1024).fill(fill));
    },
    cancel() {
      cancelled = true;
    },
  });
  return { body, pulled: () => pulled, cancelled: () => cancelled };
}

/** A body that sends `text` and then breaks off with a network error. */
function breaking(text: string): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent) c.error(new TypeError('terminated'));
      else c.enqueue(new TextEncoder().encode(text));
      sent = true;
    },
  });
}

describe('limited response text', () => {
  it('with tooLarge: a body over the limit fails with the caller’s error; one within it comes whole', async () => {
    const src = endless();
    await assert.rejects(readResponseText(new Response(src.body), 10 * 1024, { tooLarge: () => new RangeError('big') }), RangeError);
    assert.ok(src.pulled() <= 12, `pulled ${src.pulled()} chunks`);
    assert.ok(src.cancelled(), 'the rest of the body is cancelled');
    assert.equal(await readResponseText(new Response('x'.repeat(10)), 10, { tooLarge: () => new RangeError('big') }), 'x'.repeat(10));
    await assert.rejects(
      readBodyText(new Response('x'.repeat(11)), 'GET /y', 10),
      (e: unknown) => e instanceof FileBridgeError && e.code === 'CONNECTION' && /GET \/y.*more than 10 bytes/.test(e.message),
    );
  });

  it('without: the text is cut at the limit and the rest cancelled, for File 360 and Dropbox error bodies alike', async () => {
    for (const read of [readErrorText, readLimitedText]) {
      const src = endless();
      assert.equal(await read(new Response(src.body), 2500), 'a'.repeat(2500));
      assert.equal(src.pulled() <= 4, true, `pulled ${src.pulled()} chunks`);
      assert.ok(src.cancelled());
      assert.equal(await read(new Response(null)), '');
    }
  });

  it('a body that breaks off: File 360 error bodies keep what came, Dropbox ones fail as before', async () => {
    assert.equal(await readErrorText(new Response(breaking('{"error":"quota"}'))), '{"error":"quota"}');
    await assert.rejects(readLimitedText(new Response(breaking('{"error":'))), TypeError);
    await assert.rejects(readBodyText(new Response(breaking('{"a":')), 'GET x'), TypeError);
  });
});
