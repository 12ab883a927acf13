/** The parts of the Content Server client that need no server: envelopes, error texts, multipart framing. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { classifyAnswer, classifyTransport } from '../../../src/core/content-server/classify';
import { collection, itemProperties, parseCsDate } from '../../../src/core/content-server/envelopes';
import { encodeQuery, formFields, normaliseBaseUrl } from '../../../src/core/content-server/http';
import { multipartBody } from '../../../src/core/content-server/multipart';

/** A deliberately small multipart reader for checking our own framing (headers and exact bytes). */
function parseMultipart(body: Buffer, boundary: string): { headers: string; content: Buffer }[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { headers: string; content: Buffer }[] = [];
  let pos = body.indexOf(delimiter);
  assert.equal(pos, 0, 'body starts with the boundary');
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') {
      assert.equal(body.subarray(pos + 2).toString(), '\r\n', 'nothing after the closing boundary');
      return parts;
    }
    assert.equal(body.subarray(pos, pos + 2).toString(), '\r\n');
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd);
    assert.ok(next > 0, 'part is terminated');
    parts.push({ headers: body.subarray(pos + 2, headerEnd).toString(), content: body.subarray(headerEnd + 4, next) });
    pos = next + 2;
  }
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    chunks.push(Buffer.from(value));
  }
}

describe('content-server client: pure parts', () => {
  describe('envelopes', () => {
    it('reads v2 one-item, v2 create, v1 item and v1 create envelopes', () => {
      assert.deepEqual(itemProperties({ links: {}, results: { data: { properties: { id: 5, name: 'A' } } } }), { id: 5, name: 'A' });
      assert.deepEqual(itemProperties({ results: { id: 7 } }), { id: 7 });
      assert.deepEqual(itemProperties({ data: { id: 8 } }), { id: 8 });
      assert.deepEqual(itemProperties({ id: 9 }), { id: 9 });
      assert.throws(() => itemProperties({ results: {} }), /unexpected item envelope/);
      assert.throws(() => itemProperties('<html>'), /unexpected item envelope/);
    });

    it('reads v2 collections with collection.paging, business workspaces with top-level paging, v1 lists', () => {
      const v2 = collection({
        links: {},
        results: [{ data: { properties: { id: 1 } } }, { data: { properties: { id: 2 } } }],
        collection: { paging: { page: 2, limit: 2, total_count: 5, page_total: 3, range_min: 3, range_max: 4 }, sorting: {} },
      });
      assert.deepEqual(v2.items, [{ id: 1 }, { id: 2 }]);
      assert.deepEqual(v2.paging, { page: 2, limit: 2, totalCount: 5, pageTotal: 3 });
      const bws = collection({ results: [{ data: { properties: { id: 3, type: 848 } } }], paging: { page: 1, limit: 1, total_count: 2, page_total: 2 } });
      assert.deepEqual(bws.paging, { page: 1, limit: 1, totalCount: 2, pageTotal: 2 });
      const v1 = collection({ data: [{ id: 4 }], page: 1, limit: 25, page_total: 1, total_count: 1 });
      assert.deepEqual(v1.items, [{ id: 4 }]);
      assert.equal(v1.paging.pageTotal, 1);
      assert.deepEqual(collection({ links: {}, results: {} }).items, []);
    });

    it('parses dates with and without a zone (zoneless read as UTC)', () => {
      assert.equal(parseCsDate('2025-01-19T06:57:04Z')?.toISOString(), '2025-01-19T06:57:04.000Z');
      assert.equal(parseCsDate('2017-03-08T04:32:15')?.toISOString(), '2017-03-08T04:32:15.000Z');
      assert.equal(parseCsDate('2017-03-08T04:32:15+02:00')?.toISOString(), '2017-03-08T02:32:15.000Z');
      assert.equal(parseCsDate('2017-03-08')?.toISOString(), '2017-03-08T00:00:00.000Z');
      assert.equal(parseCsDate(''), undefined);
      assert.equal(parseCsDate(null), undefined);
      assert.equal(parseCsDate('yesterday'), undefined);
    });
  });

  describe('request encoding', () => {
    it('repeats query keys for arrays and sends flags without a value', () => {
      assert.equal(encodeQuery({ where_type: [0, 144], fields: ['properties', 'versions'], metadata: true, off: false, none: undefined, page: 2 }),
        '?where_type=0&where_type=144&fields=properties&fields=versions&metadata=&page=2');
      assert.equal(encodeQuery({}), '');
    });

    it('puts the nested payload into one body field as JSON', () => {
      assert.deepEqual(formFields({ form: { type: 144, parent_id: 2000, skip: undefined }, body: { roles: { categories: { '9830_2': 'ACME' } } } }), [
        ['type', '144'],
        ['parent_id', '2000'],
        ['body', '{"roles":{"categories":{"9830_2":"ACME"}}}'],
      ]);
    });

    it('normalises the base URL to .../api', () => {
      assert.equal(normaliseBaseUrl('http://h/otcs/cs.exe/'), 'http://h/otcs/cs.exe/api');
      assert.equal(normaliseBaseUrl('http://h/otcs/cs.exe/api'), 'http://h/otcs/cs.exe/api');
      assert.throws(() => normaliseBaseUrl('h/otcs'), { code: 'INVALID_INPUT' });
    });
  });

  describe('error classification', () => {
    const notFound = 'Sorry, the item you requested could not be accessed. Either it does not exist or you do not have permission to access it.';
    it('recognises not-found texts on 400, 404 and 500', () => {
      assert.equal(classifyAnswer(400, '{"error":"Could not get a node for 99"}', 'GET x').code, 'NOT_FOUND');
      assert.equal(classifyAnswer(500, JSON.stringify({ error: notFound }), 'GET x').code, 'NOT_FOUND');
      assert.equal(classifyAnswer(404, JSON.stringify({ error: notFound }), 'GET x').code, 'NOT_FOUND');
    });

    it('recognises the collision text on v1 (400) and v2 (500), and 409 edit conflicts', () => {
      for (const status of [400, 500]) {
        const e = classifyAnswer(status, `{"error":"An item with the name 'a.pdf' already exists."}`, 'POST /v2/nodes');
        assert.equal(e.code, 'CONFLICT');
        assert.equal(e.retryable, false);
      }
      assert.equal(classifyAnswer(409, '{"error":"stale token"}', 'x').code, 'CONFLICT');
    });

    it('retries busy, proxy and non-JSON 5xx answers, never business errors', () => {
      for (const [status, body] of [[502, '<html>Bad gateway</html>'], [503, ''], [504, '{"error":"x"}'], [429, '{"error":"slow down"}'], [500, '<html><body>Oops</body></html>'], [500, ''], [500, '{"err']] as const) {
        const e = classifyAnswer(status, body, 'x');
        assert.equal(e.code, 'CONNECTION', `${status} ${body}`);
        assert.equal(e.retryable, true);
      }
      for (const [status, body] of [[400, '{"error":"The REST API URL could not be found in the mappings registry"}'], [500, '{"error":"Invalid value for attribute"}'], [403, '{"error":"disabled"}']] as const) {
        const e = classifyAnswer(status, body, 'x');
        assert.equal(e.retryable, false, `${status} ${body}`);
      }
      assert.equal(classifyAnswer(403, '{"error":"disabled"}', 'x').code, 'PERMISSION_DENIED');
      assert.equal(classifyAnswer(500, '{"error":"Invalid value for attribute"}', 'x').code, 'CS_REJECTED');
    });

    it('classifies refused connections as retryable CONNECTION and our timeout as TIMEOUT', () => {
      const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
      assert.equal(classifyTransport(refused, 'x', false, 1000).code, 'CONNECTION');
      assert.equal(classifyTransport(new Error('aborted'), 'x', true, 1000).code, 'TIMEOUT');
    });
  });

  describe('streaming multipart body', () => {
    it('frames fields and the file so that a parser gets the exact bytes back', async () => {
      const content = Buffer.alloc(300_000);
      for (let i = 0; i < content.length; i++) content[i] = (i * 7919) % 256;
      // Include the delimiter's leading bytes in the content: framing must not depend on content.
      content.write('\r\n--', 1000, 'latin1');
      const mp = multipartBody([['type', '144'], ['body', '{"name":"ä \\"q\\""}']], {
        field: 'file',
        filename: 'a "b".bin',
        contentType: 'application/octet-stream',
        open: () => Readable.from([content.subarray(0, 1), content.subarray(1, 70_000), content.subarray(70_000)]),
      });
      assert.match(mp.contentType, /^multipart\/form-data; boundary=----FileBridge[0-9a-f]{32}$/);
      let counted = 0;
      const raw = await readAll(mp.stream({ onChunk: (n) => (counted += n) }));
      const parts = parseMultipart(raw, mp.boundary);
      assert.equal(parts.length, 3);
      assert.equal(parts[0].headers, 'Content-Disposition: form-data; name="type"');
      assert.equal(parts[0].content.toString(), '144');
      assert.equal(parts[1].content.toString(), '{"name":"ä \\"q\\""}');
      assert.equal(parts[2].headers, 'Content-Disposition: form-data; name="file"; filename="a %22b%22.bin"\r\nContent-Type: application/octet-stream');
      assert.ok(parts[2].content.equals(content), 'file bytes are exact');
      assert.equal(counted, content.length);
    });

    it('opens the source anew for each body (a retry re-reads the file)', async () => {
      let opened = 0;
      const mp = multipartBody([], { field: 'file', filename: 'x', contentType: 'text/plain', open: () => (opened++, Readable.from([Buffer.from('abc')])) });
      const a = await readAll(mp.stream());
      const b = await readAll(mp.stream());
      assert.ok(a.equals(b));
      assert.equal(opened, 2);
    });

    it('reports a failing source through onSourceError', async () => {
      const mp = multipartBody([], {
        field: 'file',
        filename: 'x',
        contentType: 'text/plain',
        open: () => new Readable({ read() { this.destroy(new Error('disk gone')); } }),
      });
      let seen: unknown;
      await assert.rejects(readAll(mp.stream({ onSourceError: (e) => (seen = e) })), /disk gone/);
      assert.match(String(seen), /disk gone/);
    });

    it('streams a 200 MB source of unknown length with flat memory', async () => {
      const total = 200 * 1024 * 1024;
      const chunk = Buffer.alloc(64 * 1024, 7);
      let produced = 0;
      const mp = multipartBody([['type', '144']], {
        field: 'file',
        filename: 'big.bin',
        contentType: 'application/octet-stream',
        open: () =>
          new Readable({
            read() {
              if (produced >= total) return void this.push(null);
              produced += chunk.length;
              this.push(Buffer.from(chunk));
            },
          }),
      });
      const hash = createHash('sha256');
      const before = process.memoryUsage().rss;
      let peak = before;
      const reader = mp.stream().getReader();
      let bytes = 0;
      for (let i = 0; ; i++) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.byteLength;
        hash.update(value);
        if (i % 256 === 0) peak = Math.max(peak, process.memoryUsage().rss);
      }
      assert.ok(bytes > total);
      assert.equal(produced, total);
      assert.ok(peak - before < 64 * 1024 * 1024, `RSS grew by ${Math.round((peak - before) / 1e6)} MB`);
    });
  });
});
