/**
 * Request body parsing as Content Server does it: urlencoded forms, multipart/form-data with file
 * parts streamed straight to disk (a file is never held in memory), and the `body` field carrying a
 * JSON object that wins over flat fields.
 */
import { createHash, randomUUID } from 'node:crypto';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { CsError, argumentRequired, badRequest, jsonBodyRejected } from './errors';

export interface UploadedFile {
  field: string;
  filename: string;
  contentType: string;
  /** Temporary path; the store moves the file away when it keeps it. */
  path: string;
  size: number;
  sha256: string;
}

export interface ParsedForm {
  fields: Map<string, string[]>;
  files: UploadedFile[];
}

export interface FormOptions {
  tmpDir: string;
  /** Fault injection: destroy the connection once this many body bytes arrived. */
  dropAfterBytes?: number;
}

/** Thrown after the simulator deliberately cut an upload: nothing is answered. */
export class DroppedUpload extends Error {}

const MAX_FIELD_BYTES = 4 * 1024 * 1024;
const MAX_HEADER_BYTES = 16 * 1024;

export function emptyForm(): ParsedForm {
  return { fields: new Map(), files: [] };
}

function addField(form: ParsedForm, name: string, value: string): void {
  const list = form.fields.get(name);
  if (list) list.push(value);
  else form.fields.set(name, [value]);
}

function mediaType(req: IncomingMessage): { type: string; params: Map<string, string> } {
  const header = req.headers['content-type'] ?? '';
  const [type, ...rest] = header.split(';');
  const params = new Map<string, string>();
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    let v = p.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    params.set(p.slice(0, eq).trim().toLowerCase(), v);
  }
  return { type: (type ?? '').trim().toLowerCase(), params };
}

async function readSmall(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new CsError(413, 'Request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Parses any request body the way the server accepts it; rejects JSON and unknown types. */
export async function readForm(req: IncomingMessage, options: FormOptions): Promise<ParsedForm> {
  const { type, params } = mediaType(req);
  const length = req.headers['content-length'];
  const hasBody = length !== undefined ? length !== '0' : req.headers['transfer-encoding'] !== undefined;
  if (type === 'multipart/form-data') {
    const boundary = params.get('boundary');
    if (!boundary) throw badRequest('Missing multipart boundary');
    return parseMultipart(req, boundary, options);
  }
  if (type === 'application/x-www-form-urlencoded') {
    const raw = await readSmall(req, MAX_FIELD_BYTES);
    const form = emptyForm();
    for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) addField(form, k, v);
    return form;
  }
  if (type === 'application/json' || type.endsWith('+json')) {
    req.resume();
    throw jsonBodyRejected();
  }
  if (!hasBody || type === '') {
    const raw = await readSmall(req, MAX_FIELD_BYTES);
    if (raw.length > 0) throw badRequest('Unsupported request content type');
    return emptyForm();
  }
  req.resume();
  throw badRequest(`Unsupported request content type '${type}'`);
}

interface PartSink {
  write(data: Buffer): Promise<void>;
  end(): Promise<void>;
}

function parseDisposition(value: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /;\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    let v = (m[2] ?? '').trim();
    if (v.startsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    out.set((m[1] ?? '').toLowerCase(), v);
  }
  const star = out.get('filename*');
  if (star) {
    const q = star.indexOf("''");
    try {
      out.set('filename', decodeURIComponent(q >= 0 ? star.slice(q + 2) : star));
    } catch {
      // keep the plain filename when the extended one is malformed
    }
  }
  return out;
}

async function parseMultipart(req: IncomingMessage, boundary: string, options: FormOptions): Promise<ParsedForm> {
  const form = emptyForm();
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const headerEnd = Buffer.from('\r\n\r\n');
  // A leading CRLF lets the first boundary match the same delimiter as all later ones.
  let buf: Buffer = Buffer.from('\r\n');
  // Widened on purpose: consume() changes it behind the compiler's back.
  let state = 'preamble' as 'preamble' | 'after' | 'headers' | 'body' | 'done';
  let sink: PartSink | undefined;
  let received = 0;
  const openHandles = new Set<FileHandle>();

  const openPart = async (headersText: string): Promise<PartSink> => {
    const headers = new Map<string, string>();
    for (const line of headersText.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const disposition = parseDisposition(headers.get('content-disposition') ?? '');
    const name = disposition.get('name');
    if (name === undefined) throw badRequest('Multipart part without a name');
    const filename = disposition.get('filename');
    if (filename === undefined) {
      const chunks: Buffer[] = [];
      let size = 0;
      return {
        write: async (data) => {
          size += data.length;
          if (size > MAX_FIELD_BYTES) throw new CsError(413, `Form field ${name} too large`);
          chunks.push(Buffer.from(data));
        },
        end: async () => addField(form, name, Buffer.concat(chunks).toString('utf8')),
      };
    }
    const path = join(options.tmpDir, `upload-${randomUUID()}`);
    const fh = await open(path, 'w');
    openHandles.add(fh);
    const file: UploadedFile = {
      field: name,
      filename,
      contentType: headers.get('content-type') ?? 'application/octet-stream',
      path,
      size: 0,
      sha256: '',
    };
    form.files.push(file);
    const hash = createHash('sha256');
    return {
      write: async (data) => {
        hash.update(data);
        file.size += data.length;
        await fh.write(data);
      },
      end: async () => {
        file.sha256 = hash.digest('hex');
        openHandles.delete(fh);
        await fh.close();
      },
    };
  };

  const consume = async (): Promise<void> => {
    for (;;) {
      if (state === 'preamble') {
        const i = buf.indexOf(delimiter);
        if (i < 0) {
          buf = buf.subarray(Math.max(0, buf.length - delimiter.length + 1));
          return;
        }
        buf = buf.subarray(i + delimiter.length);
        state = 'after';
      } else if (state === 'after') {
        if (buf.length < 2) return;
        if (buf[0] === 0x2d && buf[1] === 0x2d) {
          state = 'done';
          return;
        }
        if (buf[0] !== 0x0d || buf[1] !== 0x0a) throw badRequest('Malformed multipart body');
        buf = buf.subarray(2);
        state = 'headers';
      } else if (state === 'headers') {
        const i = buf.indexOf(headerEnd);
        if (i < 0) {
          if (buf.length > MAX_HEADER_BYTES) throw badRequest('Malformed multipart body');
          return;
        }
        sink = await openPart(buf.subarray(0, i).toString('utf8'));
        buf = buf.subarray(i + headerEnd.length);
        state = 'body';
      } else if (state === 'body') {
        const i = buf.indexOf(delimiter);
        if (i < 0) {
          // Keep a tail that could be the start of a delimiter split across chunks.
          const keep = delimiter.length - 1;
          if (buf.length > keep) {
            await sink?.write(buf.subarray(0, buf.length - keep));
            buf = Buffer.from(buf.subarray(buf.length - keep));
          }
          return;
        }
        await sink?.write(buf.subarray(0, i));
        await sink?.end();
        sink = undefined;
        buf = buf.subarray(i + delimiter.length);
        state = 'after';
      } else {
        return;
      }
    }
  };

  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (options.dropAfterBytes !== undefined && received >= options.dropAfterBytes) {
        req.socket?.destroy();
        throw new DroppedUpload('upload dropped by fault injection');
      }
      if (state === 'done') continue;
      buf = buf.length > 0 ? Buffer.concat([buf, chunk]) : chunk;
      await consume();
    }
    if (options.dropAfterBytes !== undefined) {
      // A body shorter than the cut point is dropped once it is all there, still before any answer.
      req.socket?.destroy();
      throw new DroppedUpload('upload dropped by fault injection');
    }
    if (state !== 'done') throw badRequest('Malformed multipart body: closing boundary missing');
    return form;
  } catch (err) {
    for (const fh of openHandles) await fh.close().catch(() => undefined);
    await discardFiles(form);
    throw err;
  }
}

export async function discardFiles(form: ParsedForm): Promise<void> {
  for (const f of form.files) await unlink(f.path).catch(() => undefined);
}

/** A JSON-like value from a form or the `body` JSON. */
export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };
export type Params = Record<string, Value>;

/** Flat fields, then the `body` JSON object on top: "when both exist, body wins". */
export function formParams(form: ParsedForm): Params {
  const params: Params = {};
  for (const [k, values] of form.fields) {
    if (k === 'body') continue;
    params[k] = values.length === 1 ? (values[0] ?? '') : values;
  }
  const body = form.fields.get('body');
  if (body && body.length > 0) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body[body.length - 1] ?? '');
    } catch {
      throw badRequest('The body parameter is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw badRequest('The body parameter must be a JSON object');
    }
    Object.assign(params, parsed as Params);
  }
  return params;
}

export function isRecord(v: Value | undefined): v is { [key: string]: Value } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function optString(params: Params, name: string): string | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v) || isRecord(v)) throw badRequest(`Invalid value for ${name}`);
  return String(v);
}

export function reqString(params: Params, name: string): string {
  const v = optString(params, name);
  if (v === undefined || v === '') throw argumentRequired(name);
  return v;
}

export function optInt(params: Params, name: string): number | undefined {
  const s = optString(params, name);
  if (s === undefined || s === '') return undefined;
  if (!/^-?\d+$/.test(s.trim())) throw badRequest(`Invalid value for ${name}: '${s}' is not an integer`);
  return Number(s);
}

export function reqInt(params: Params, name: string): number {
  const v = optInt(params, name);
  if (v === undefined) throw argumentRequired(name);
  return v;
}

export function optBool(params: Params, name: string): boolean | undefined {
  const s = optString(params, name);
  if (s === undefined || s === '') return undefined;
  return s === 'true' || s === '1';
}
