/**
 * The multipart/form-data upload parsed as a stream (the File 360 and REST simulators): the file part
 * goes to a file on disk with backpressure while it is hashed, the other parts are held in memory
 * only up to a small limit (a client that sends a huge text part gets a 400, not an out-of-memory
 * simulator). Multipart per RFC 7578 (multipart/form-data) and RFC 2046 §5.1.1 (delimiters
 * `--boundary`, CRLF before each, `--boundary--` closes). Each simulator passes `fail`, which makes
 * its own 400 error from a message.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Dropped } from './body';

/** Each non-file part and each part's header block. */
export const MAX_FIELD_BYTES = 8 * 1024;
const MAX_PARTS = 10;

export type Fail = (message: string) => Error;

export interface ReceivedUpload {
  /** Non-file parts by name. */
  fields: Map<string, string>;
  /** The `file` part, on disk. */
  file?: { name: string; path: string; size: number; sha256: string; contentType: string };
}

/** `boundary` from `multipart/form-data; boundary=...` (quoted or not), or a 400. */
export function boundaryOf(contentType: string | undefined, badRequest: Fail): string {
  const type = (contentType ?? '').trim();
  if (!/^multipart\/form-data\s*;/i.test(type)) throw badRequest(`Content-Type must be multipart/form-data with a boundary, got "${type.slice(0, 80)}"`);
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(type);
  const b = m?.[1] ?? m?.[2];
  if (!b) throw badRequest('multipart/form-data without a boundary');
  return b;
}

/**
 * A part's Content-Disposition: `form-data; name="file"; filename="x.pdf"` (RFC 7578 §4.2). A
 * `filename*=UTF-8''...` (RFC 5987) wins over `filename` when both come. Browsers and undici's
 * FormData send raw UTF-8 in `filename` and escape `"`, CR and LF as %22, %0D, %0A (WHATWG HTML,
 * "multipart/form-data encoding algorithm"); those three are unescaped here.
 */
export function dispositionOf(header: string, badRequest: Fail): { name?: string; filename?: string } {
  const out: { name?: string; filename?: string } = {};
  if (!/^\s*form-data\s*(;|$)/i.test(header)) throw badRequest('multipart part without Content-Disposition: form-data');
  const re = /;\s*([a-z*]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/gi;
  let star: string | undefined;
  for (let m = re.exec(header); m; m = re.exec(header)) {
    const key = (m[1] ?? '').toLowerCase();
    const value = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '').trim();
    if (key === 'name') out.name = value;
    else if (key === 'filename') out.filename = value.replace(/%22/g, '"').replace(/%0D/gi, '\r').replace(/%0A/gi, '\n');
    else if (key === 'filename*') {
      const ext = /^utf-8'[^']*'(.*)$/i.exec(value);
      if (!ext) throw badRequest('filename* must be UTF-8 encoded (RFC 5987)');
      try {
        star = decodeURIComponent(ext[1] ?? '');
      } catch {
        throw badRequest('filename* is not valid percent-encoded UTF-8');
      }
    }
  }
  if (star !== undefined) out.filename = star;
  return out;
}

/**
 * Parses a multipart/form-data body as it arrives. The part named `fileField` is streamed to
 * `filePath`; any other part must be one of `fields` (or any name with 'any') and at most MAX_FIELD_BYTES. With `dropAt`,
 * the connection is destroyed once that many body bytes have arrived (the fault knob).
 */
export async function receiveMultipart(
  req: IncomingMessage,
  opts: { filePath: string; fileField: string; fields: readonly string[] | 'any'; dropAt?: number; fail: Fail },
): Promise<ReceivedUpload> {
  const badRequest = opts.fail;
  const boundary = boundaryOf(req.headers['content-type'], badRequest);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const result: ReceivedUpload = { fields: new Map() };
  // The body starts with `--boundary` (no CRLF before the first one): pretend there was one.
  let buf: Buffer = Buffer.from('\r\n');
  let state: 'preamble' | 'afterDelimiter' | 'headers' | 'body' | 'done' = 'preamble';
  let parts = 0;
  let part: { name: string; filename?: string; contentType: string; chunks: Buffer[]; size: number; isFile: boolean } | undefined;
  let out: ReturnType<typeof createWriteStream> | undefined;
  let outClosed: Promise<void> | undefined;
  const hash = createHash('sha256');
  let fileSize = 0;
  let received = 0;

  const writeFile = async (c: Buffer): Promise<void> => {
    if (c.length === 0 || !out) return;
    hash.update(c);
    fileSize += c.length;
    if (!out.write(c)) await new Promise<void>((r) => out?.once('drain', () => r()));
  };
  const partData = async (c: Buffer): Promise<void> => {
    if (!part) return;
    if (part.isFile) return writeFile(c);
    part.size += c.length;
    if (part.size > MAX_FIELD_BYTES) throw badRequest(`multipart field '${part.name}' larger than ${MAX_FIELD_BYTES} bytes`);
    part.chunks.push(c);
  };
  const endPart = async (): Promise<void> => {
    if (!part) return;
    if (part.isFile) {
      const stream = out;
      out = undefined;
      stream?.end();
      await outClosed;
      result.file = { name: part.filename ?? '', path: opts.filePath, size: fileSize, sha256: hash.digest('hex'), contentType: part.contentType };
    } else result.fields.set(part.name, Buffer.concat(part.chunks).toString('utf8'));
    part = undefined;
  };
  const startPart = (headerBlock: string): void => {
    if (++parts > MAX_PARTS) throw badRequest(`more than ${MAX_PARTS} multipart parts`);
    const headers = new Map<string, string>();
    for (const line of headerBlock.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw badRequest('malformed multipart part header');
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const d = dispositionOf(headers.get('content-disposition') ?? '', badRequest);
    if (!d.name) throw badRequest('multipart part without a name');
    const isFile = d.name === opts.fileField;
    if (isFile) {
      if (result.file || out) throw badRequest(`more than one '${opts.fileField}' part`);
      if (d.filename === undefined) throw badRequest(`the '${opts.fileField}' part has no filename`);
      out = createWriteStream(opts.filePath);
      const stream = out;
      outClosed = new Promise<void>((resolve, reject) => {
        stream.on('close', resolve);
        stream.on('error', reject);
      });
    } else if (opts.fields !== 'any' && !opts.fields.includes(d.name)) throw badRequest(`unknown multipart field '${d.name.slice(0, 60)}'`);
    else if (result.fields.has(d.name)) throw badRequest(`multipart field '${d.name}' sent twice`);
    part = { name: d.name, filename: d.filename, contentType: headers.get('content-type') ?? 'application/octet-stream', chunks: [], size: 0, isFile };
  };

  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (opts.dropAt !== undefined && received >= opts.dropAt) {
        req.socket.destroy();
        throw new Dropped();
      }
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      for (;;) {
        if (state === 'preamble') {
          const at = buf.indexOf(delimiter);
          if (at < 0) {
            if (buf.length > MAX_FIELD_BYTES) throw badRequest('multipart body does not start with its boundary');
            break;
          }
          buf = buf.subarray(at + delimiter.length);
          state = 'afterDelimiter';
        } else if (state === 'afterDelimiter') {
          if (buf.length < 2) break;
          if (buf[0] === 0x2d && buf[1] === 0x2d) {
            state = 'done';
            buf = Buffer.alloc(0);
            break;
          }
          // Transport padding (spaces/tabs) may follow a delimiter before its CRLF (RFC 2046 §5.1.1).
          const crlf = buf.indexOf('\r\n');
          if (crlf < 0) {
            if (buf.length > 256) throw badRequest('malformed multipart delimiter line');
            break;
          }
          if (buf.subarray(0, crlf).toString('latin1').trim() !== '') throw badRequest('malformed multipart delimiter line');
          buf = buf.subarray(crlf + 2);
          state = 'headers';
        } else if (state === 'headers') {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) {
            if (buf.length > MAX_FIELD_BYTES) throw badRequest('multipart part headers too large');
            break;
          }
          startPart(buf.subarray(0, end).toString('utf8'));
          buf = buf.subarray(end + 4);
          state = 'body';
        } else if (state === 'body') {
          const at = buf.indexOf(delimiter);
          if (at < 0) {
            // Keep what could be the start of a delimiter split across chunks.
            const keep = Math.min(buf.length, delimiter.length - 1);
            await partData(buf.subarray(0, buf.length - keep));
            buf = Buffer.from(buf.subarray(buf.length - keep));
            break;
          }
          await partData(buf.subarray(0, at));
          await endPart();
          buf = buf.subarray(at + delimiter.length);
          state = 'afterDelimiter';
        } else break;
      }
    }
    if (state !== 'done') throw badRequest('multipart body ended before its closing boundary');
    return result;
  } catch (err) {
    if (!(err instanceof Dropped)) req.resume();
    out?.destroy();
    await outClosed?.catch(() => undefined);
    rmSync(opts.filePath, { force: true });
    throw err;
  }
}
