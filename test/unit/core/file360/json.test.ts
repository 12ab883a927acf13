/** File 360 JSON: ids above 2^53 that arrive as bare numbers keep every digit; answers have a size limit. */
import assert from 'node:assert/strict';
import { MAX_JSON_BYTES, parseF360Json, quoteUnsafeIntegers, readBodyText } from '../../../../src/core/file360/json';
import { FileBridgeError } from '../../../../src/core/errors';

describe('file360: JSON with long ids', () => {
  it('a bare id above 2^53 keeps its exact digits as a string (JSON.parse alone would round it)', () => {
    const text = '{"id":2599466250228733940,"parentId":-2599466250228733941,"size":123,"rootId":"2400020231108955735"}';
    assert.equal(String((JSON.parse(text) as { id: number }).id), '2599466250228734000', 'plain JSON.parse loses digits');
    const body = parseF360Json(text, 'GET x') as Record<string, unknown>;
    assert.equal(body.id, '2599466250228733940');
    assert.equal(body.parentId, '-2599466250228733941');
    assert.equal(body.size, 123, 'safe integers stay numbers');
    assert.equal(body.rootId, '2400020231108955735');
  });

  it('numbers inside strings, escaped quotes, floats, exponents and 2^53-1 are left alone', () => {
    const text = '{"name":"a \\" 12345678901234567890 b","f":12345678901234567.5,"e":1e25,"max":9007199254740991,"arr":[9007199254740993,1]}';
    const body = parseF360Json(text, 'x') as Record<string, unknown>;
    assert.equal(body.name, 'a " 12345678901234567890 b');
    assert.equal(body.f, Number('12345678901234567.5'), 'a float is a float');
    assert.equal(body.e, 1e25);
    assert.equal(body.max, 9007199254740991);
    assert.deepEqual(body.arr, ['9007199254740993', 1]);
    assert.equal(quoteUnsafeIntegers('{"a":"x"}'), '{"a":"x"}');
  });

  it('a body that is not JSON fails with CONNECTION naming the request', () => {
    assert.throws(
      () => parseF360Json('<html>proxy</html>', 'GET /api/v1/users/me'),
      (e: unknown) => e instanceof FileBridgeError && e.code === 'CONNECTION' && /GET \/api\/v1\/users\/me/.test(e.message),
    );
  });

  it('an answer over the limit is refused without being read whole', async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        c.enqueue(new Uint8Array(1024));
      },
    });
    await assert.rejects(readBodyText(new Response(body), 'GET x', 10 * 1024), (e: unknown) => e instanceof FileBridgeError && e.code === 'CONNECTION');
    assert.ok(pulled < 20, `read ${pulled} chunks`);
    assert.equal(await readBodyText(new Response('{"a":1}'), 'GET x'), '{"a":1}');
    assert.ok(MAX_JSON_BYTES >= 1024 * 1024);
  });
});
