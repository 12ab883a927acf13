/**
 * Backups (backups.ts) streamed with Content-Length, Content-Disposition, Digest (RFC 3230) and an
 * ETag matching their bytes, created on demand through /_sim/backups; media uploaded raw (PUT) and as
 * multipart (POST), kept on disk with their sha256, idempotent with a key.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { restCall, useRestSim } from '../../../../support/rest-sim';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('REST simulator: backups and media', function () {
  const used = useRestSim({ seed: { products: 0 }, backups: [{ name: 'nightly ü.tar.gz', size: 3 * 1024 * 1024 + 5 }] });

  it('lists backups and streams one with Content-Length, Disposition, Digest and ETag matching its bytes', async function () {
    const list = (await restCall(used.sim, 'GET', '/api/v1/backups', { auth: 'bearer' })).json as { id: string; name: string; size: number; sha256: string }[];
    assert.equal(list.length, 1);
    const b = list[0];
    assert.ok(b);
    const res = await fetch(`${used.sim.apiUrl}/backups/${b.id}/content`, { headers: { Authorization: `Bearer ${used.sim.bearerToken}` } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    assert.equal(res.headers.get('content-length'), String(3 * 1024 * 1024 + 5));
    assert.equal(res.headers.get('content-disposition'), `attachment; filename="nightly _.tar.gz"; filename*=UTF-8''nightly%20%C3%BC.tar.gz`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    assert.equal(bytes.length, b.size);
    assert.equal(sha256(bytes), b.sha256);
    assert.equal(res.headers.get('digest'), `sha-256=${createHash('sha256').update(bytes).digest('base64')}`);
    assert.equal(res.headers.get('etag'), `"${b.sha256.slice(0, 32)}"`);
    // Deterministic: the same package again gives the same bytes.
    const again = new Uint8Array(
      await (await fetch(`${used.sim.apiUrl}/backups/${b.id}/content`, { headers: { 'X-API-Key': used.sim.apiKey } })).arrayBuffer(),
    );
    assert.equal(sha256(again), b.sha256);
    assert.equal((await restCall(used.sim, 'GET', '/api/v1/backups/nope/content')).status, 404);
  });

  it('creates a backup through POST /_sim/backups and refuses bad names and sizes', async function () {
    const res = await fetch(`${used.sim.url}/_sim/backups`, { method: 'POST', body: JSON.stringify({ name: 'empty.bin', size: 0 }) });
    assert.equal(res.status, 201);
    const b = (await res.json()) as { id: string; size: number; sha256: string };
    assert.equal(b.sha256, sha256(new Uint8Array()));
    const dl = await fetch(`${used.sim.apiUrl}/backups/${b.id}/content`, { headers: { 'X-API-Key': used.sim.apiKey } });
    assert.equal((await dl.arrayBuffer()).byteLength, 0);
    for (const bad of [{ name: '../x', size: 1 }, { name: 'x', size: -1 }, { name: 'x', size: 1.5 }, { size: 1 }]) {
      const r = await fetch(`${used.sim.url}/_sim/backups`, { method: 'POST', body: JSON.stringify(bad) });
      assert.equal(r.status, 400, JSON.stringify(bad));
    }
  });

  it('stores a raw PUT with its content type and sha256 on disk', async function () {
    const content = new Uint8Array(700_000).map((_, i) => (i * 31) % 256);
    const a = await restCall(used.sim, 'PUT', '/api/v1/media/photo%201.jpg', { body: content, headers: { 'Content-Type': 'image/jpeg' } });
    assert.equal(a.status, 201);
    const m = a.json as { id: string; name: string; size: number; sha256: string; contentType: string };
    assert.deepEqual([m.name, m.size, m.sha256, m.contentType], ['photo 1.jpg', content.length, sha256(content), 'image/jpeg']);
    assert.equal(sha256(readFileSync(used.sim.mediaPath(m.id))), sha256(content));
    assert.ok(used.sim.state().media.some((x) => x.id === m.id && x.sha256 === m.sha256));
  });

  it('stores a multipart upload (part file with filename, text parts as metadata)', async function () {
    const form = new FormData();
    form.append('sku', 'SKU-00001');
    form.append('file', new Blob(['%PDF-1.7 datasheet']), 'datasheet.pdf');
    const a = await restCall(used.sim, 'POST', '/api/v1/media', { body: form });
    assert.equal(a.status, 201);
    const m = a.json as { id: string; name: string; size: number; sha256: string; metadata: Record<string, string> };
    assert.equal(m.name, 'datasheet.pdf');
    assert.equal(m.size, 18);
    assert.equal(m.sha256, sha256(new TextEncoder().encode('%PDF-1.7 datasheet')));
    assert.deepEqual(m.metadata, { sku: 'SKU-00001' });
    assert.equal(readFileSync(used.sim.mediaPath(m.id), 'utf8'), '%PDF-1.7 datasheet');
  });

  it('refuses a multipart body without a file part, a bad name, and a non-multipart POST', async function () {
    const form = new FormData();
    form.append('sku', 'x');
    assert.equal((await restCall(used.sim, 'POST', '/api/v1/media', { body: form })).status, 400);
    const bad = new FormData();
    bad.append('file', new Blob(['x']), '..');
    assert.equal((await restCall(used.sim, 'POST', '/api/v1/media', { body: bad })).status, 400);
    assert.equal((await restCall(used.sim, 'POST', '/api/v1/media', { body: 'x', headers: { 'Content-Type': 'text/plain' } })).status, 400);
    assert.equal((await restCall(used.sim, 'PUT', '/api/v1/media/a%2Fb', { body: 'x' })).status, 400);
  });

  it('replays a media upload with the same key (multipart with a new boundary counts as the same request)', async function () {
    const send = async (text: string) => {
      const form = new FormData();
      form.append('file', new Blob([text]), 'same.txt');
      return restCall(used.sim, 'POST', '/api/v1/media', { body: form, headers: { 'Idempotency-Key': 'media-1' } });
    };
    const first = await send('hello');
    const before = used.sim.state().counts.media;
    const again = await send('hello');
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(again.json, first.json);
    assert.equal(used.sim.state().counts.media, before);
    assert.equal((await send('other')).status, 422);
    const raw1 = await restCall(used.sim, 'PUT', '/api/v1/media/r.bin', { body: 'abc', headers: { 'Idempotency-Key': 'media-2' } });
    const raw2 = await restCall(used.sim, 'PUT', '/api/v1/media/r.bin', { body: 'abc', headers: { 'Idempotency-Key': 'media-2' } });
    assert.deepEqual([raw1.status, raw2.headers.get('idempotent-replayed')], [201, 'true']);
  });
});
