/** The large-file multipart API path of uploads, against the simulator. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ContentServerClient, type CsRequest } from '../../../../src/core/content-server';
import { FileBridgeError } from '../../../../src/core/errors';
import { startContentServerSim, type ContentServerSim } from '../../../../dev/sim/content-server';

const PART = 256 * 1024; // above the 128 KB after which the simulator drops a chunked upload

function data(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 131 + (i >> 9)) & 0xff;
  return b;
}

/** A source that hands out odd-sized chunks, so parts never line up with them. */
function chunked(b: Buffer, counter?: { opened: number }): () => Readable {
  return () => {
    if (counter) counter.opened++;
    const pieces: Buffer[] = [];
    for (let i = 0; i < b.length; i += 10_007) pieces.push(b.subarray(i, i + 10_007));
    return Readable.from(pieces);
  };
}

async function sha(stream: Readable): Promise<string> {
  const h = createHash('sha256');
  for await (const c of stream as AsyncIterable<Buffer>) h.update(c);
  return h.digest('hex');
}

function spy(c: ContentServerClient): string[] {
  const paths: string[] = [];
  const original = c.http.json.bind(c.http);
  c.http.json = (req: CsRequest) => {
    paths.push(`${req.method} ${req.path}`);
    return original(req);
  };
  return paths;
}

describe('content-server large-file uploads', () => {
  let sim: ContentServerSim;
  const connect = (threshold?: number): ContentServerClient =>
    new ContentServerClient({
      baseUrl: `${sim.url}/otcs/cs.exe/api`,
      auth: { kind: 'password', username: 'Admin', password: 'livelink' },
      largeFileThreshold: threshold,
      retry: { retries: 12, baseMs: 2, maxMs: 20 },
    });

  before(async () => {
    sim = await startContentServerSim({ largeFile: { partSize: PART } });
  });
  after(async () => {
    await sim.stop();
  });
  afterEach(() => {
    sim.setFaults({ dropUploadRate: 0, errorRate: 0 });
  });

  it('sends a file above the threshold in parts, byte-exact, and reports progress to the end', async () => {
    const c = connect(100_000);
    const paths = spy(c);
    const content = data(5 * PART + 1234);
    let progress = 0;
    const r = await c.upload({
      target: 'Enterprise:Large',
      createFolders: true,
      name: 'big.bin',
      size: content.length,
      open: chunked(content),
      onProgress: (n) => (progress = n),
    });
    assert.equal(r.action, 'created');
    assert.equal(paths.filter((p) => /^POST \/v2\/multipart\/[^/]+\/\d+$/.test(p)).length, 6);
    assert.ok(paths.includes('GET /v2/multipart/settings'));
    assert.equal(progress, content.length);
    assert.equal(await sha((await c.download(r.id)).stream), createHash('sha256').update(content).digest('hex'));

    // A second upload of the same name becomes a version, also through parts.
    const v2 = data(2 * PART);
    const again = await c.upload({ target: 'Enterprise:Large', name: 'big.bin', size: v2.length, open: chunked(v2) });
    assert.deepEqual([again.action, again.version], ['versioned', 2]);
    assert.equal(await sha((await c.download(r.id)).stream), createHash('sha256').update(v2).digest('hex'));
  });

  it('re-sends dropped parts by re-opening the source and skipping to the part', async () => {
    const c = connect(1);
    const content = data(16 * PART + 99);
    const counter = { opened: 0 };
    const droppedBefore = sim.stats().droppedUploads;
    // 17 parts at 40 %: some drop (all 17 get through first time with p = 0.02 %), none drops 13 times.
    sim.setFaults({ dropUploadRate: 0.4 });
    const r = await c.upload({ target: 'Enterprise:Large', name: 'dropped.bin', size: content.length, open: chunked(content, counter) });
    sim.setFaults({ dropUploadRate: 0 });
    assert.ok(sim.stats().droppedUploads > droppedBefore, 'the simulator dropped some parts');
    assert.ok(counter.opened > 1, 'the source was re-opened for a re-sent part');
    assert.equal(await sha((await c.download(r.id)).stream), createHash('sha256').update(content).digest('hex'));
  });

  it('refuses a source whose length differs from the size given', async () => {
    const c = connect(1);
    const content = data(3 * PART);
    for (const size of [content.length + 10, content.length - 10]) {
      await assert.rejects(
        c.upload({ target: 'Enterprise:Large', name: `wrong-${size}.bin`, size, open: chunked(content) }),
        (err: unknown) => err instanceof FileBridgeError && err.code === 'INVALID_INPUT' && /(shorter|longer)/.test(err.message),
      );
    }
  });

  it('uses one multipart request below the threshold, without a size, or when the server lacks the API', async () => {
    const c = connect(1_000_000);
    const paths = spy(c);
    const small = data(1000);
    await c.upload({ target: 'Enterprise:Large', name: 'small.bin', size: small.length, open: chunked(small) });
    await c.upload({ target: 'Enterprise:Large', name: 'unsized.bin', open: chunked(data(2_000_000)) });
    assert.equal(
      paths.some((p) => p.includes('/v2/multipart')),
      false,
    );

    const old = await startContentServerSim({ largeFile: { enabled: false } });
    try {
      const oc = new ContentServerClient({
        baseUrl: `${old.url}/otcs/cs.exe/api`,
        auth: { kind: 'password', username: 'Admin', password: 'livelink' },
        largeFileThreshold: 1,
      });
      const content = data(3 * PART);
      const r = await oc.upload({ target: 2000, name: 'x.bin', size: content.length, open: chunked(content) });
      assert.equal(await sha((await oc.download(r.id)).stream), createHash('sha256').update(content).digest('hex'));
    } finally {
      await old.stop();
    }
  });
});
