/**
 * The "Large File Upload" multipart API of newer servers: announce, send parts, complete, then create
 * the document or version with `upload_key` instead of a `file` part. Parts and the assembled file
 * stay on disk.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { route, type Ctx, type Reply, type Route } from './context';
import { links } from './envelopes';
import { badRequest, invalid, routeNotFound } from './errors';
import type { LargeUpload } from './extras';
import { optString, reqInt, reqString, type UploadedFile } from './forms';

function enabled(ctx: Ctx): void {
  // Servers without the feature do not know these routes at all.
  if (!ctx.extras.largeFile.enabled) throw routeNotFound();
}

function upload(ctx: Ctx): LargeUpload {
  const key = ctx.args[0] ?? '';
  const u = ctx.extras.uploads.get(key);
  if (!u) throw invalid(`Invalid upload key '${key}'`);
  return u;
}

function settings(ctx: Ctx): Reply {
  enabled(ctx);
  const s = ctx.extras.largeFile;
  return { json: { links: links(ctx.href), results: { data: { is_enabled: true, max_size: s.maxSize, min_size: s.minSize } } } };
}

function begin(ctx: Ctx): Reply {
  enabled(ctx);
  const s = ctx.extras.largeFile;
  const fileName = reqString(ctx.params, 'file_name');
  const fileSize = reqInt(ctx.params, 'file_size');
  if (fileSize < s.minSize || fileSize > s.maxSize) throw invalid(`Invalid file_size ${fileSize}: the multipart API takes ${s.minSize} to ${s.maxSize} bytes`);
  const numParts = Math.max(1, Math.ceil(fileSize / s.partSize));
  const key = randomUUID();
  ctx.extras.uploads.set(key, {
    key,
    file_name: fileName,
    file_size: fileSize,
    mime_type: optString(ctx.params, 'mime_type') ?? 'application/octet-stream',
    num_parts: numParts,
    part_size: s.partSize,
    parts: new Map(),
  });
  return { json: { links: links(ctx.href, 'POST'), results: { upload_key: key, num_parts: numParts, part_size: s.partSize } } };
}

async function part(ctx: Ctx): Promise<Reply> {
  enabled(ctx);
  const u = upload(ctx);
  const n = Number(ctx.args[1]);
  if (n < 1 || n > u.num_parts) throw invalid(`Invalid part number ${n}: the upload has ${u.num_parts} parts`);
  if (u.assembled) throw invalid('Invalid request: the upload is already complete');
  const file = ctx.form.files.find((f) => f.field === 'part_content');
  if (!file) throw badRequest('Argument part_content is required');
  const expected = n < u.num_parts ? u.part_size : u.file_size - u.part_size * (u.num_parts - 1);
  if (file.size !== expected) throw invalid(`Invalid part ${n}: ${file.size} bytes where ${expected} were expected`);
  const path = join(ctx.store.tmpDir, `multipart-${u.key}-${n}`);
  await rename(file.path, path);
  u.parts.set(n, { path, size: file.size });
  return { json: { links: links(ctx.href, 'POST'), results: {} } };
}

async function complete(ctx: Ctx): Promise<Reply> {
  enabled(ctx);
  const u = upload(ctx);
  for (let n = 1; n <= u.num_parts; n++) if (!u.parts.has(n)) throw invalid(`Invalid request: part ${n} of ${u.num_parts} is missing`);
  const path = join(ctx.store.tmpDir, `multipart-${u.key}`);
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  try {
    for (let n = 1; n <= u.num_parts; n++) {
      const p = u.parts.get(n);
      if (!p) continue;
      for await (const chunk of createReadStream(p.path) as AsyncIterable<Buffer>) {
        hash.update(chunk);
        if (!out.write(chunk)) await once(out, 'drain');
      }
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  for (const p of u.parts.values()) await unlink(p.path).catch(() => undefined);
  u.assembled = { path, size: u.file_size, sha256: hash.digest('hex') };
  return { json: { links: links(ctx.href, 'POST'), results: {} } };
}

/**
 * The completed upload named by `upload_key`, or undefined without one. It stays claimable until
 * {@link finishUpload}, so a create refused for a name collision can be retried as a new version.
 */
export function uploadFile(ctx: Ctx): UploadedFile | undefined {
  const key = optString(ctx.params, 'upload_key');
  if (key === undefined) return undefined;
  const u = ctx.extras.uploads.get(key);
  if (!u || !u.assembled) throw invalid(`Invalid upload_key '${key}': unknown or not completed`);
  return { field: 'file', filename: u.file_name, contentType: u.mime_type, path: u.assembled.path, size: u.assembled.size, sha256: u.assembled.sha256 };
}

/** The store moved the assembled file into place: forget the upload. */
export function finishUpload(ctx: Ctx): void {
  const key = optString(ctx.params, 'upload_key');
  if (key !== undefined) ctx.extras.uploads.delete(key);
}

const r = route;

export const uploadRoutes: Route[] = [
  r('GET', '/v2/multipart/settings', settings),
  r('POST', '/v2/multipart', begin),
  r('POST', '/v2/multipart/([0-9a-f-]+)/(\\d+)', part),
  r('POST', '/v2/multipart/([0-9a-f-]+)', complete),
];
