/**
 * The dialog of `filebridge-rest-request` ("rest request") turned into checked settings, at deploy:
 * method, path/query/header templates, body, response, paging and emit modes. A typo in a template,
 * a paging style without its expression or an emit mode that cannot work shows on the node before a
 * message arrives, naming the field and what to do.
 *
 * Templates use the `{token}` style of ../path-template.ts: `{msg.x.y}` (from the message),
 * `{fields.x}` (msg.filebridge.fields), `{record.x}` (the record, when records are sent one per
 * request), `{name} {base} {ext} {relativeDir} {correlationId}` of the source file and the UTC date
 * tokens. Values are untrusted: a path value is URL-encoded as ONE segment (no `/`, `?` or `#` can
 * sneak in), a header value may not hold CR or LF.
 */
import { FileBridgeError } from '../errors';
import { isTokenOf, pathTokenValues, tokenList } from '../path-template';
import { REST_METHODS, type RestMethod } from './errors';
import { PAGING_STYLES, type PagingStyle } from './paging';

export const BODY_MODES = ['none', 'json', 'records', 'file', 'multipart'] as const;
export type BodyMode = (typeof BODY_MODES)[number];
export const RESPONSE_MODES = ['json', 'stream', 'none'] as const;
export type ResponseMode = (typeof RESPONSE_MODES)[number];
export const OUTPUT_MODES = ['payload', 'keep'] as const;
export type OutputMode = (typeof OUTPUT_MODES)[number];
export const EMIT_MODES = ['one', 'page', 'record', 'file'] as const;
export type EmitMode = (typeof EMIT_MODES)[number];

/** File and date tokens a template may hold besides `{msg.x}`, `{fields.x}` and `{record.x}`. */
export const REQUEST_TEMPLATE_TOKENS = ['yyyy', 'MM', 'dd', 'HH', 'mm', 'ss', 'name', 'base', 'ext', 'relativeDir', 'correlationId'] as const;

type Num = number | string | undefined;

/** The dialog's fields, as the flow JSON holds them (numbers may arrive as text). */
export interface RestRequestConfigFields {
  method?: string;
  path?: string;
  query?: unknown;
  headers?: unknown;
  body?: string;
  batchSize?: Num;
  batchKey?: string;
  contentType?: string;
  fileField?: string;
  response?: string;
  output?: string;
  fileName?: string;
  paging?: string;
  pagingItems?: string;
  pagingNext?: string;
  pagingCursor?: string;
  offsetParam?: string;
  limitParam?: string;
  pageParam?: string;
  sizeParam?: string;
  cursorParam?: string;
  pageSize?: Num;
  firstPage?: Num;
  maxPages?: Num;
  emit?: string;
}

/** One part of a parsed template: fixed text, or a token to fill. */
type TemplatePart =
  { text: string } | { token: 'file'; name: (typeof REQUEST_TEMPLATE_TOKENS)[number] } | { token: 'msg' | 'fields' | 'record'; path: string[] };

/** A template checked at deploy. */
export interface Template {
  source: string;
  parts: TemplatePart[];
  /** It has `{record.x}`: it is filled per record. */
  usesRecord: boolean;
}

export interface NamedTemplate {
  name: string;
  value: Template;
}

export interface PagingSettings {
  style: PagingStyle;
  /** JSONata texts; compiled by the node glue (Node-RED's own JSONata) into functions. */
  items?: string;
  nextLink?: string;
  cursor?: string;
  offsetParam: string;
  limitParam: string;
  pageParam: string;
  sizeParam: string;
  cursorParam: string;
  pageSize: number;
  firstPage: number;
  maxPages: number;
}

export interface RestRequestSettings {
  method: RestMethod;
  path: Template;
  query: NamedTemplate[];
  headers: NamedTemplate[];
  body: BodyMode;
  batchSize: number;
  /** Records are sent as `{ [batchKey]: [...] }`; undefined = a bare JSON array. */
  batchKey?: string;
  contentType: string;
  fileField: string;
  response: ResponseMode;
  output: OutputMode;
  fileName?: Template;
  paging: PagingSettings;
  emit: EmitMode;
  /** A template of path, query or headers has `{record.x}`: the request is built per record. */
  perRecord: boolean;
}

const TOKEN = /\{([^{}]*)\}/g;
/** An RFC 9110 token: what a header name may be. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const PROPERTY_PATH = /^[^.\s][^.]*(\.[^.\s][^.]*)*$/;

function invalid(message: string, details: Record<string, unknown> = {}): FileBridgeError {
  return new FileBridgeError('INVALID_INPUT', message, details);
}

function knownTokens(record: boolean): string {
  return `{msg.<property>} {fields.<name>}${record ? ' {record.<field>}' : ''} ${tokenList(REQUEST_TEMPLATE_TOKENS)}`;
}

/**
 * Parses a template. `record` says whether `{record.x}` may be used (records sent one per
 * request); an unknown token is refused naming the known ones.
 */
export function parseTemplate(source: string, where: string, record: boolean): Template {
  const parts: TemplatePart[] = [];
  let last = 0;
  let usesRecord = false;
  for (const m of source.matchAll(TOKEN)) {
    const index = m.index;
    if (index > last) parts.push({ text: source.slice(last, index) });
    last = index + m[0].length;
    const inner = m[1].trim();
    const dot = inner.indexOf('.');
    const head = dot < 0 ? inner : inner.slice(0, dot);
    const rest = dot < 0 ? '' : inner.slice(dot + 1);
    if (isTokenOf(REQUEST_TEMPLATE_TOKENS, inner)) parts.push({ token: 'file', name: inner });
    else if ((head === 'msg' || head === 'fields' || head === 'record') && PROPERTY_PATH.test(rest)) {
      if (head === 'record' && !record) {
        throw invalid(`${where}: ${m[0]} in "${source}" needs one record per request: choose Body "Records" with batch size 1, or use ${knownTokens(false)}.`, {
          template: source,
        });
      }
      if (head === 'record') usesRecord = true;
      // `{fields.x}` names one key (names may hold dots); msg and record paths are dotted.
      parts.push({ token: head, path: head === 'fields' ? [rest] : rest.split('.') });
    } else throw invalid(`${where}: unknown token ${m[0]} in "${source}"; use ${knownTokens(record)}.`, { template: source });
  }
  if (last < source.length) parts.push({ text: source.slice(last) });
  for (const p of parts) {
    if ('text' in p && /[{}]/.test(p.text)) throw invalid(`${where}: "${source}" has a { or } that opens or closes no token.`, { template: source });
  }
  return { source, parts, usesRecord };
}

/** What a template's tokens are filled from, for one message (and one record). */
export interface TemplateInput {
  msg: Record<string, unknown>;
  fields?: unknown;
  record?: Record<string, unknown>;
  /** The source file's name and path below the watched folder ('' when unknown). */
  name: string;
  relativePath?: string;
  correlationId?: string;
  at: Date;
}

function own(value: unknown, key: string): unknown {
  if (value === null || typeof value !== 'object') return undefined;
  return Object.prototype.hasOwnProperty.call(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

function tokenValue(part: Exclude<TemplatePart, { text: string }>, input: TemplateInput, template: Template, values: Record<string, string>): string {
  if (part.token === 'file') {
    if ((part.name === 'name' || part.name === 'base' || part.name === 'ext') && input.name === '') {
      throw invalid(`"${template.source}" needs the file's name for {${part.name}}: send msg.filename (or a message from a watch).`, {
        template: template.source,
      });
    }
    return values[part.name];
  }
  const root = part.token === 'msg' ? input.msg : part.token === 'fields' ? input.fields : input.record;
  let value: unknown = root;
  for (const key of part.path) value = own(value, key);
  const label =
    part.token === 'msg'
      ? `msg.${part.path.join('.')}`
      : part.token === 'fields'
        ? `msg.filebridge.fields.${part.path[0]}`
        : `the record's ${part.path.join('.')}`;
  if (value === undefined || value === null || value === '') {
    throw invalid(
      `"${template.source}" needs ${label}, and ${part.token === 'record' ? 'this record' : 'this message'} has ${value === '' ? 'it empty' : 'none'}.`,
      {
        template: template.source,
        token: `${part.token}.${part.path.join('.')}`,
      },
    );
  }
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw invalid(`${label} is ${Array.isArray(value) ? 'an array' : typeof value}, not text or a number, so it cannot fill "${template.source}".`, {
      template: template.source,
    });
  }
  return String(value);
}

/** Fills a template; `encode` turns each token's value into what the place needs (a path segment...). */
export function fillTemplate(template: Template, input: TemplateInput, encode: (value: string) => string = (v) => v): string {
  const values = pathTokenValues({ name: input.name, relativePath: input.relativePath || input.name }, input.at, input.correlationId ?? '');
  return template.parts.map((p) => ('text' in p ? p.text : encode(tokenValue(p, input, template, values)))).join('');
}

/** The request path: each token's value one URL-encoded segment (`a/b` becomes `a%2Fb`). */
export function fillPath(template: Template, input: TemplateInput): string {
  return fillTemplate(template, input, encodeURIComponent);
}

/** A header value: no CR or LF (a value from a message must not add a header). */
export function fillHeader(name: string, template: Template, input: TemplateInput): string {
  const value = fillTemplate(template, input);
  if (/[\r\n\0]/.test(value))
    throw invalid(`The header ${name} filled in holds a line break or NUL, which would end the header: check "${template.source}".`, { header: name });
  return value;
}

function choice<T extends string>(value: unknown, allowed: readonly T[], fallback: T, label: string): T {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw invalid(`${label} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}.`, { field: label });
}

function integer(value: Num, fallback: number, min: number, max: number, label: string): number {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw invalid(`${label} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}.`, { field: label });
  return n;
}

function text(value: unknown, fallback: string): string {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : fallback;
}

function pairs(value: unknown, label: string, record: boolean, header: boolean): NamedTemplate[] {
  if (value === undefined || value === null || value === '') return [];
  if (!Array.isArray(value)) throw invalid(`${label} must be a list of { name, value }.`, { field: label });
  const seen = new Set<string>();
  return value.map((row: unknown, i) => {
    const name = typeof own(row, 'name') === 'string' ? (own(row, 'name') as string).trim() : '';
    const raw = own(row, 'value');
    if (name === '') throw invalid(`${label}: row ${i + 1} has no name.`, { field: label });
    if (header) {
      if (!HEADER_NAME.test(name)) throw invalid(`${label}: "${name}" is not a header name (letters, digits and - only).`, { field: label });
      if (seen.has(name.toLowerCase())) throw invalid(`${label}: the header ${name} is given twice.`, { field: label });
      seen.add(name.toLowerCase());
    }
    return { name, value: parseTemplate(typeof raw === 'string' ? raw : raw === undefined || raw === null ? '' : String(raw), `${label} ${name}`, record) };
  });
}

function jsonata(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** The settings of a rest request node from its dialog's fields; INVALID_INPUT names the field and what to do. */
export function restRequestSettingsFromConfig(fields: RestRequestConfigFields): RestRequestSettings {
  const method = choice(typeof fields.method === 'string' ? fields.method.toUpperCase() : fields.method, REST_METHODS, 'GET', 'Method');
  const body = choice(fields.body, BODY_MODES, 'none', 'Body');
  const response = choice(fields.response, RESPONSE_MODES, 'json', 'Response');
  const output = choice(fields.output, OUTPUT_MODES, 'payload', 'Output');
  const emit = choice(fields.emit, EMIT_MODES, 'one', 'Send');
  const style = choice(fields.paging, PAGING_STYLES, 'none', 'Paging');
  const batchSize = integer(fields.batchSize, 500, 1, 5000, 'Batch size');
  const perRecord = body === 'records' && batchSize === 1;
  const pathSource = typeof fields.path === 'string' ? fields.path.trim() : '';
  const path = parseTemplate(pathSource, 'Path', perRecord);
  if (/^[a-z][a-z0-9+.-]*:/i.test(pathSource) || pathSource.startsWith('//')) {
    throw invalid(
      `Path "${pathSource}" must be relative to the connection's base URL (e.g. /products/batch): the connection's secrets go only to its own host.`,
      {
        field: 'Path',
      },
    );
  }
  if (/[?#]/.test(path.parts.map((p) => ('text' in p ? p.text : '')).join(''))) {
    throw invalid(`Path "${pathSource}" holds a ? or #: put query parameters in the Query list, where their values are encoded.`, { field: 'Path' });
  }
  const fileNameSource = typeof fields.fileName === 'string' ? fields.fileName.trim() : '';
  const fileName = fileNameSource === '' ? undefined : parseTemplate(fileNameSource, 'File name', false);
  if (fileName && fileName.parts.some((p) => 'text' in p && /[/\\]/.test(p.text))) {
    throw invalid(`File name "${fileNameSource}" must be a name without folders.`, { field: 'File name' });
  }
  const paging: PagingSettings = {
    style,
    items: jsonata(fields.pagingItems),
    nextLink: jsonata(fields.pagingNext),
    cursor: jsonata(fields.pagingCursor),
    offsetParam: text(fields.offsetParam, 'offset'),
    limitParam: text(fields.limitParam, 'limit'),
    pageParam: text(fields.pageParam, 'page'),
    sizeParam: text(fields.sizeParam, 'per_page'),
    cursorParam: text(fields.cursorParam, 'cursor'),
    pageSize: integer(fields.pageSize, 100, 1, 100000, 'Page size'),
    firstPage: integer(fields.firstPage, 1, 0, 1000000, 'First page'),
    maxPages: integer(fields.maxPages, 10000, 1, 10000000, 'At most (pages)'),
  };
  if (style === 'nextLink' && !paging.nextLink)
    throw invalid('Paging "Next link in the body" needs the Next link expression (JSONata, e.g. next or links.next).', { field: 'Next link' });
  if (style === 'cursor' && !paging.cursor)
    throw invalid('Paging "Cursor" needs the Next cursor expression (JSONata, e.g. next_cursor).', { field: 'Next cursor' });
  if (body !== 'none' && (method === 'GET' || method === 'HEAD')) {
    throw invalid(`Method ${method} sends no body: choose POST, PUT or PATCH for Body "${body}", or Body None.`, { field: 'Body' });
  }
  if (emit === 'one' && style !== 'none') {
    throw invalid('Send "One message with the whole answer" cannot be used with paging: choose one message per page, per record, or one file.', {
      field: 'Send',
    });
  }
  if (emit !== 'one' && response !== 'json')
    throw invalid(`Send "${emit}" needs Response JSON: pages and records are read from JSON answers.`, { field: 'Send' });
  if (body === 'records' && emit !== 'one')
    throw invalid('Body "Records" sends a file in batches and answers with one message: choose Send "One message".', { field: 'Send' });
  if (style !== 'none' && body !== 'none') throw invalid('Paging reads answers page by page: use it with Body None (a GET).', { field: 'Paging' });
  const batchKey = typeof fields.batchKey === 'string' && fields.batchKey.trim() !== '' ? fields.batchKey.trim() : undefined;
  const query = pairs(fields.query, 'Query', perRecord, false);
  const headers = pairs(fields.headers, 'Headers', perRecord, true);
  const fileField = text(fields.fileField, 'file');
  const contentType = text(fields.contentType, 'application/octet-stream');
  if (/[\r\n]/.test(contentType) || /[\r\n"]/.test(fileField))
    throw invalid('Content type and File part must be one line (no quotes in the part name).', { field: 'Content type' });
  const perRecordTemplates = path.usesRecord || query.some((q) => q.value.usesRecord) || headers.some((h) => h.value.usesRecord);
  return {
    method,
    path,
    query,
    headers,
    body,
    batchSize,
    batchKey,
    contentType,
    fileField,
    response,
    output,
    fileName,
    paging,
    emit,
    perRecord: perRecordTemplates,
  };
}
