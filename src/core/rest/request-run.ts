/**
 * One message's run of a rest request node: the request(s) built from the settings and the message,
 * records read from the payload and posted batch by batch, pages followed, and what goes out (one
 * message, one per page, one per record, or one file of all records).
 *
 * The REST client (./client.ts) and the record reader/writer (../records) are handed in as the
 * small interfaces below, so this module is the node's logic without Node-RED or sockets of its own.
 *
 * Idempotency: every batch of records carries a key, the SHA-256 of method, path and batch body. The
 * same file sent again (after a 429 storm, a crash, a redeploy, or a corrected resend after a 422)
 * gives the same keys for the batches already accepted, which an API that honours the key (the
 * IETF httpapi "Idempotency-Key" draft; Stripe) answers as a replay of its first answer, storing
 * nothing twice; and the client may retry a POST only because it carries that key.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { FileBridgeError } from '../errors';
import { lastPathPart } from '../paths';
import { sourceFactsOf } from '../pipeline/source';
import type { ReceivedFileBridge } from '../message';
import type { RecordBatch } from '../records';
import type { RestClient, RestRequest, RestResponse, StreamSource } from './client';
import { redactUrl } from './errors';
import type { PageResult, Paging } from './paging';
import { fillHeader, fillPath, fillTemplate, type RestRequestSettings, type TemplateInput } from './request-config';

/** What the node writes as `msg.filebridge.rest`. */
export interface RestFacts {
  /** The connection's label (its name or base URL). */
  connection: string;
  method: string;
  /** The URL of the (last) request, query secrets hidden. */
  url: string;
  status: number;
  /** The JSON answer, when Output is "keep" (msg.payload stays as it came). */
  body?: unknown;
  /** With paging: the page (0-based); count once known. */
  page?: { index: number; count?: number };
  /** Send "record": the record's place among all records of all pages (0-based). */
  record?: { index: number };
  /** Body "records": batches and records posted, and how many batches the API answered as replays. */
  batches?: number;
  records?: number;
  replayed?: number;
  /** A download or a file of records: its name. */
  fileName?: string;
  /**
   * On a failed message (as the Catch node gets it): what the API said. Node-RED hands a Catch node
   * only the error's message, code and stack, so the field errors travel here.
   */
  failure?: { code: string; errorText?: string; fieldErrors?: unknown[]; batch?: number; firstRecord?: number; batches?: number; records?: number };
}

/* ---- the REST client (./client.ts) and records core (../records) types this module works with ---- */

/** What this module calls of the client: a test may hand in its own. */
export type RunClient = Pick<RestClient, 'request' | 'paginate'>;

/** A record format bound to its reader and writer (the glue makes it from a partner format or a file name). */
export interface RunRecords {
  read(source: Readable, batchSize: number): AsyncIterable<RecordBatch>;
  write(batches: AsyncIterable<Record<string, unknown>[]>): Readable;
}

/** JSONata expressions of the paging fields, compiled by the glue. */
export interface RunExpressions {
  items?: (body: unknown) => Promise<unknown>;
  nextLink?: (body: unknown) => Promise<unknown>;
  cursor?: (body: unknown) => Promise<unknown>;
}

export interface RunInput {
  settings: RestRequestSettings;
  client: RunClient;
  /** The connection's label, for msg.filebridge.rest.connection. */
  connection: string;
  /** The connection's base URL (for the facts of a file whose requests are still to come). */
  baseUrl?: string;
  /** Query parameter names whose values must never show (the connection's API key in the query). */
  secretQuery?: string[];
  payload: unknown;
  filename: unknown;
  msg: Record<string, unknown>;
  facts: ReceivedFileBridge;
  /** The record format: from the node's partner format, else guessed from a file name (`recordsFor`). */
  recordsFor: (fileName: string) => RunRecords;
  expressions: RunExpressions;
  /** A way to read a claimed source file again from the start (so a file body can be retried). */
  reopen?: () => Readable;
  now?: Date;
  /** Status while working ("batch 12, 6000 records", "page 3"). */
  progress?: (text: string) => void;
}

/** One message to send. `payload: undefined` with `deletePayload` removes msg.payload. */
export interface RunOutput {
  payload?: unknown;
  keepPayload: boolean;
  filename?: string;
  rest: RestFacts;
}

/** What a run ends with: the summary for the status. */
export interface RunSummary {
  status: number;
  text: string;
  /** Send "file": resolves with the final status text when the file has been read to its end, or rejects with why it failed. */
  finished?: Promise<string>;
}

/** The idempotency key of one request: SHA-256 (hex) of method, path and body, so a resend of the same batch is recognised. */
export function idempotencyKeyOf(method: string, path: string, body: string): string {
  return createHash('sha256').update(method).update('\n').update(path).update('\n').update(body).digest('hex');
}

/**
 * A file name from an answer's `Content-Disposition` (RFC 6266: `filename*=UTF-8''...` preferred to
 * `filename="..."`), reduced to a plain name: it comes from the server, so no folders, no control
 * characters, no `.` or `..`. Undefined when there is none or nothing usable is left.
 */
export function fileNameFromDisposition(header: string | undefined): string | undefined {
  if (!header) return undefined;
  let name: string | undefined;
  const star = /filename\*\s*=\s*([^;]+)/i.exec(header);
  if (star) {
    const value = star[1].trim().replace(/^"|"$/g, '');
    const m = /^[^']*'[^']*'(.*)$/.exec(value);
    try {
      name = decodeURIComponent(m ? m[1] : value);
    } catch {
      name = undefined;
    }
  }
  if (name === undefined) {
    const plain = /filename\s*=\s*("((?:[^"\\]|\\.)*)"|[^;]+)/i.exec(header);
    if (plain) name = plain[2] !== undefined ? plain[2].replace(/\\(.)/g, '$1') : plain[1].trim();
  }
  if (name === undefined) return undefined;
  const cleaned =
    name
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f]/g, '')
      .split(/[/\\]/)
      .pop()
      ?.trim() ?? '';
  if (cleaned === '' || cleaned === '.' || cleaned === '..') return undefined;
  return cleaned.slice(0, 255);
}

/** The source file's name: msg.filename's last part, else the watch's source name; '' when none. */
function sourceName(filename: unknown, facts: ReceivedFileBridge): { name: string; relativePath?: string } {
  const source = sourceFactsOf(facts.source);
  if (typeof filename === 'string' && filename.trim() !== '') return { name: lastPathPart(filename.trim()), relativePath: source?.relativePath };
  if (source) return { name: source.name, relativePath: source.relativePath };
  return { name: '' };
}

/** A payload that is a file: a stream not yet read, a Buffer or a string. */
function fileSource(payload: unknown, reopen: (() => Readable) | undefined, what: string): { open: StreamSource; size?: number } {
  if (Buffer.isBuffer(payload) || typeof payload === 'string') {
    const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
    return { open: () => Readable.from([data]), size: data.length };
  }
  if (payload instanceof Readable) {
    if (payload.readableEnded || payload.destroyed) {
      throw new FileBridgeError(
        'INVALID_INPUT',
        `msg.payload is a stream that was already read or closed: send ${what} from a watch, a remote get or as a Buffer.`,
      );
    }
    if (!reopen) return { open: payload };
    // The first attempt reads the stream the message brought; a retry reads the claimed file again.
    let first = true;
    return {
      open: () => {
        if (first) {
          first = false;
          return payload;
        }
        return reopen();
      },
    };
  }
  throw new FileBridgeError(
    'INVALID_INPUT',
    `msg.payload must be ${what} (a stream, a Buffer or a string), got ${payload === null ? 'null' : typeof payload}.`,
  );
}

function itemsOf(page: PageResult): Record<string, unknown>[] {
  return page.items.map((item, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new FileBridgeError('INVALID_INPUT', `Item ${i + 1} of page ${page.index + 1} is not an object, so it cannot be a record of the file.`, {
        page: page.index,
      });
    }
    return item as Record<string, unknown>;
  });
}

/**
 * Runs one message: builds and sends the request(s) and hands each message to `emit` (in order).
 * Throws a FileBridgeError (from the client, or INVALID_INPUT for the message) on failure; for Body
 * "records" a refused batch k fails with details `{ batch: k, firstRecord, fieldErrors }`, the
 * batches before it staying posted.
 */
export async function runRestRequest(input: RunInput, emit: (out: RunOutput) => void): Promise<RunSummary> {
  const s = input.settings;
  const at = input.now ?? new Date();
  const file = sourceName(input.filename, input.facts);
  const templateInput: TemplateInput = {
    msg: input.msg,
    fields: input.facts.fields,
    name: file.name,
    relativePath: file.relativePath,
    correlationId: typeof input.facts.correlationId === 'string' ? input.facts.correlationId : '',
    at,
  };
  const keep = s.output === 'keep';
  const build = (record?: Record<string, unknown>): { path: string; query: Record<string, string>; headers: Record<string, string> } => {
    const t = record ? { ...templateInput, record } : templateInput;
    const query: Record<string, string> = {};
    for (const q of s.query) query[q.name] = fillTemplate(q.value, t);
    const headers: Record<string, string> = {};
    for (const h of s.headers) headers[h.name] = fillHeader(h.name, h.value, t);
    return { path: fillPath(s.path, t), query, headers };
  };
  const facts = (response: { url: string; status: number }, extra: Partial<RestFacts> = {}): RestFacts => ({
    connection: input.connection,
    method: s.method,
    url: redactUrl(response.url, input.secretQuery),
    status: response.status,
    ...extra,
  });
  const fileNameOf = (fallback?: string): string | undefined => (s.fileName ? fillTemplate(s.fileName, templateInput) : fallback);

  if (s.body === 'records') return postRecords(input, build, facts, file.name, emit);

  // Everything that can be wrong with the message is checked before the first request.
  const base = build();
  const req: RestRequest = { method: s.method, path: base.path, query: base.query, headers: base.headers, responseType: s.response };
  if (s.body === 'json') {
    if (input.payload === undefined) throw new FileBridgeError('INVALID_INPUT', 'Body JSON sends msg.payload, and this message has none.');
    req.body = { kind: 'json', value: input.payload };
  } else if (s.body === 'file' || s.body === 'multipart') {
    const source = fileSource(input.payload, input.reopen, 'the file');
    if (s.body === 'file') req.body = { kind: 'stream', open: source.open, contentType: s.contentType, size: source.size };
    else {
      if (file.name === '')
        throw new FileBridgeError('INVALID_INPUT', 'A multipart upload needs the file name: send msg.filename (or a message from a watch).');
      req.body = { kind: 'multipart', field: s.fileField, filename: file.name, contentType: s.contentType, open: source.open, size: source.size };
    }
  }

  if (s.emit === 'one') {
    const response = await input.client.request(req);
    if (s.response === 'stream') {
      const fileName = fileNameOf(fileNameFromDisposition(response.headers['content-disposition']));
      emit({ payload: response.stream, keepPayload: false, filename: fileName, rest: facts(response, { fileName }) });
      return { status: response.status, text: `${response.status}${fileName ? ` ${fileName}` : ''}` };
    }
    const body = s.response === 'json' ? response.body : undefined;
    emit({ payload: keep ? undefined : body, keepPayload: keep, rest: facts(response, keep && body !== undefined ? { body } : {}) });
    return { status: response.status, text: String(response.status) };
  }

  const paging: Paging = {
    ...s.paging,
    items: input.expressions.items,
    nextLink: input.expressions.nextLink,
    cursor: input.expressions.cursor,
  };
  if (s.emit === 'file') return emitFile(input, req, paging, fileNameOf(), emit);

  let pages = 0;
  let records = 0;
  let last: PageResult | undefined;
  for await (const page of input.client.paginate(req, paging)) {
    last = page;
    pages++;
    input.progress?.(`page ${page.index + 1}, ${records + page.items.length} records`);
    if (s.emit === 'page') {
      const rest = facts(page, { page: { index: page.index } });
      if (keep) rest.body = page.items;
      emit({ payload: keep ? undefined : page.items, keepPayload: keep, rest });
      records += page.items.length;
    } else {
      for (const item of page.items) {
        const rest = facts(page, { page: { index: page.index }, record: { index: records } });
        if (keep) rest.body = item;
        emit({ payload: keep ? undefined : item, keepPayload: keep, rest });
        records++;
      }
    }
  }
  const status = last?.status ?? 200;
  return { status, text: `${status}: ${pages} page${pages === 1 ? '' : 's'}, ${records} record${records === 1 ? '' : 's'}` };
}

type Build = (record?: Record<string, unknown>) => { path: string; query: Record<string, string>; headers: Record<string, string> };
type Facts = (response: { url: string; status: number }, extra?: Partial<RestFacts>) => RestFacts;

/** Body "records": the payload read as records and posted in batches, one after the other. */
async function postRecords(input: RunInput, build: Build, facts: Facts, name: string, emit: (out: RunOutput) => void): Promise<RunSummary> {
  const s = input.settings;
  const payload = input.payload;
  let source: Readable;
  if (payload instanceof Readable) {
    if (payload.readableEnded || payload.destroyed) {
      throw new FileBridgeError(
        'INVALID_INPUT',
        'msg.payload is a stream that was already read or closed: send the records file from a watch, a remote get or as a Buffer.',
      );
    }
    source = payload;
  } else if (Buffer.isBuffer(payload) || typeof payload === 'string')
    source = Readable.from([Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8')]);
  else
    throw new FileBridgeError(
      'INVALID_INPUT',
      `Body "Records" reads msg.payload as a file (a stream, a Buffer or a string), got ${payload === null ? 'null' : typeof payload}.`,
    );
  const records = input.recordsFor(name);
  // A path without record tokens is the same for every batch: filled (and checked) once, before the first request.
  const fixed = s.perRecord ? undefined : build();
  let batches = 0;
  let sent = 0;
  let replayed = 0;
  let last: RestResponse | undefined;
  try {
    for await (const batch of records.read(source, s.batchSize)) {
      if (batch.records.length === 0) continue;
      const { path, query, headers } = fixed ?? build(batch.records[0]);
      // Batch size 1 sends each record as its own object (PUT /products/{record.sku}); Wrap batch in keeps the array.
      const value = s.batchKey ? { [s.batchKey]: batch.records } : s.batchSize === 1 ? batch.records[0] : batch.records;
      const text = JSON.stringify(value);
      const idempotencyKey = idempotencyKeyOf(s.method, path, text);
      try {
        last = await input.client.request({
          method: s.method,
          path,
          query,
          headers,
          body: { kind: 'json', value },
          responseType: s.response === 'stream' ? 'none' : s.response,
          idempotencyKey,
        });
      } catch (err) {
        throw batchFailure(err, batch, batches, sent);
      }
      batches++;
      sent += batch.records.length;
      if (last.replayed) replayed++;
      input.progress?.(`batch ${batches}, ${sent} records`);
    }
  } finally {
    // A failed run stops reading: the rest of the file is not needed.
    if (!source.readableEnded) source.destroy();
  }
  const body = s.response === 'json' ? last?.body : undefined;
  const keep = s.output === 'keep';
  const rest = facts(last ?? { url: '', status: 0 }, { batches, records: sent, replayed });
  if (keep && body !== undefined) rest.body = body;
  emit({ payload: keep ? undefined : body, keepPayload: keep, rest });
  const status = last?.status ?? 0;
  return { status, text: `${batches} batch${batches === 1 ? '' : 'es'}, ${sent} records${replayed ? `, ${replayed} replayed` : ''}` };
}

/**
 * `msg.filebridge.rest` for a message that failed with `err`: the call's status and URL and the
 * API's error text and field errors (and for records the batch), for the Catch node and a quarantine
 * report. Undefined for a failure that is not about a call (bad input caught before any request).
 */
export function failureFacts(err: unknown, connection: string, method: string): RestFacts | undefined {
  if (!(err instanceof FileBridgeError)) return undefined;
  const d = err.details;
  if (typeof d.status !== 'number' && typeof d.batch !== 'number') return undefined;
  const failure: NonNullable<RestFacts['failure']> = { code: err.code };
  if (typeof d.errorText === 'string') failure.errorText = d.errorText;
  if (Array.isArray(d.fieldErrors) && d.fieldErrors.length > 0) failure.fieldErrors = d.fieldErrors as unknown[];
  for (const key of ['batch', 'firstRecord', 'batches', 'records'] as const) if (typeof d[key] === 'number') failure[key] = d[key];
  return {
    connection,
    method: typeof d.method === 'string' ? d.method : method,
    url: typeof d.url === 'string' ? d.url : '',
    status: typeof d.status === 'number' ? d.status : 0,
    failure,
  };
}

/** A failure of batch k (0-based) named with its place in the file; the batches before it stay posted. */
function batchFailure(err: unknown, batch: RecordBatch, posted: number, sent: number): unknown {
  if (!(err instanceof FileBridgeError)) return err;
  const fieldErrors = Array.isArray(err.details.fieldErrors) ? (err.details.fieldErrors as { index?: unknown; field?: unknown; message?: unknown }[]) : [];
  const first = fieldErrors[0];
  const which =
    first && typeof first.index === 'number'
      ? ` (record ${batch.first + first.index}${typeof first.field === 'string' ? `, ${first.field}` : ''}: ${String(first.message ?? '')})`
      : '';
  const kept =
    posted > 0
      ? ` The ${posted} batch${posted === 1 ? '' : 'es'} before it (${sent} records) stay posted; a corrected resend replays them, it does not store them twice.`
      : '';
  return new FileBridgeError(
    err.code,
    `Batch ${batch.index + 1} (records ${batch.first}-${batch.first + batch.records.length - 1}) failed: ${err.message.replace(/\.$/, '')}${which}.${kept}`,
    {
      ...err.details,
      batch: batch.index + 1,
      firstRecord: batch.first,
      batches: posted,
      records: sent,
      fieldErrors: fieldErrors.map((f) => ({ ...f, record: typeof f.index === 'number' ? batch.first + f.index : undefined })),
    },
    { cause: err },
  );
}

/** Send "file": one message whose payload is the records of all pages written in the record format, pages fetched as it is read. */
function emitFile(input: RunInput, req: RestRequest, paging: Paging, fileName: string | undefined, emit: (out: RunOutput) => void): RunSummary {
  const records = input.recordsFor(fileName ?? '');
  let pages = 0;
  let count = 0;
  let status = 0;
  const client = input.client;
  const progress = input.progress;
  async function* pagesOfRecords(): AsyncIterable<Record<string, unknown>[]> {
    for await (const page of client.paginate(req, paging)) {
      pages++;
      status = page.status;
      const items = itemsOf(page);
      count += items.length;
      progress?.(`page ${pages}, ${count} records`);
      yield items;
    }
  }
  const stream = records.write(pagesOfRecords());
  const finished = new Promise<string>((resolve, reject) => {
    let failure: unknown;
    stream.once('error', (err) => {
      failure = err;
      reject(err);
    });
    stream.once('end', () => resolve(`${status}: ${pages} page${pages === 1 ? '' : 's'}, ${count} records`));
    stream.once('close', () => {
      if (!stream.readableEnded) reject(failure ?? new FileBridgeError('CONNECTION', 'The file of records was closed before its end: its reader gave up.'));
    });
  });
  // The message leaves at once: the pages are fetched as its reader (a remote put) reads the file.
  emit({
    payload: stream,
    keepPayload: false,
    filename: fileName,
    rest: { connection: input.connection, method: req.method, url: redactUrl(joinUrl(input.baseUrl, req.path), input.secretQuery), status: 0, fileName },
  });
  return { status: 0, text: 'writing file', finished };
}

/** The base URL and a path relative to it, as the client joins them. */
export function joinUrl(baseUrl: string | undefined, path: string): string {
  if (!baseUrl) return path;
  if (path === '') return baseUrl;
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
