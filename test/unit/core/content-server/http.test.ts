import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { CsHttp, encodeQuery, formFields, normaliseBaseUrl } from '../../../../src/core/content-server/http';

/** A source that sends `count` chunks `gapMs` apart, then ends (or never ends when `stallAfter` is reached). */
function tricklingSource(count: number, gapMs: number, stallAfter = Infinity): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= stallAfter) return;
      if (sent === count) return void this.push(null);
      sent += 1;
      setTimeout(() => this.push(Buffer.alloc(1024, 1)), gapMs);
    },
  });
}

describe('content-server: HTTP requests', () => {
  describe('request encoding', () => {
    it('repeats query keys for arrays and sends flags without a value', () => {
      assert.equal(
        encodeQuery({ where_type: [0, 144], fields: ['properties', 'versions'], metadata: true, off: false, none: undefined, page: 2 }),
        '?where_type=0&where_type=144&fields=properties&fields=versions&metadata=&page=2',
      );
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

  describe('upload silence timer', () => {
    let server: Server | undefined;
    let received = 0;

    beforeEach(async () => {
      received = 0;
      server = createServer((req, res) => {
        req.on('data', (d: Buffer) => (received += d.length));
        req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"results":{}}'));
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    });

    afterEach(async () => {
      server?.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
    });

    const http = (timeoutMs: number): CsHttp =>
      new CsHttp({
        baseUrl: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/otcs/cs.exe/api`,
        auth: { kind: 'ticket', ticket: 't' },
        timeoutMs,
        retry: { retries: 0 },
      });

    it('lets an upload that keeps sending run longer than the timeout in all', async () => {
      // 16 chunks 50 ms apart: 800 ms in all, never 400 ms without a chunk.
      const answer = await http(400).json({
        method: 'POST',
        path: '/v2/nodes',
        file: { field: 'file', filename: 'slow.bin', contentType: 'application/octet-stream', open: () => tricklingSource(16, 50) },
      });
      assert.deepEqual(answer, { results: {} });
      assert.ok(received > 16 * 1024, `the server got ${received} bytes`);
    });

    it('times out an upload whose source stops sending', async () => {
      await assert.rejects(
        http(200).json({
          method: 'POST',
          path: '/v2/nodes',
          file: { field: 'file', filename: 'stalled.bin', contentType: 'application/octet-stream', open: () => tricklingSource(16, 10, 2) },
        }),
        { code: 'TIMEOUT' },
      );
    });
  });
});
