/** Editor of filebridge-rest-request ("rest request"): method, path template, body, response, paging and emit modes. */
import { defineEditor } from './components/register';
import { range } from './components/validators';
import { pairsList, validPairs, type Pair } from './components/pairs-list';
import type { Validator } from './types/node-red-editor';

const NS = 'node-red-contrib-ecm-filebridge/filebridge-rest-request:';
const RANGE = NS + 'filebridge-rest-request.errors.range';
/** Tokens the runtime knows besides `{fields.x}`, `{msg.x}` and `{record.x}` (src/core/rest/request-config.ts checks the same at deploy). */
const TOKENS = ['yyyy', 'MM', 'dd', 'HH', 'mm', 'ss', 'name', 'base', 'ext', 'relativeDir', 'correlationId'];

type Num = number | string;

interface RequestProps {
  name: string;
  connection: string;
  method: string;
  path: string;
  query: Pair[];
  headers: Pair[];
  body: string;
  format: string;
  batchSize: Num;
  batchKey: string;
  contentType: string;
  fileField: string;
  response: string;
  output: string;
  fileName: string;
  paging: string;
  pagingItems: string;
  pagingNext: string;
  pagingCursor: string;
  offsetParam: string;
  limitParam: string;
  pageParam: string;
  sizeParam: string;
  cursorParam: string;
  pageSize: Num;
  firstPage: Num;
  maxPages: Num;
  emit: string;
}

/** While the dialog is open: readers of the two lists (oneditsave keeps their rows). */
interface RequestInstance extends RequestProps {
  _collectQuery?: () => Pair[];
  _collectHeaders?: () => Pair[];
}

function tokensOk(text: string, recordTokens: boolean): boolean {
  let ok = true;
  const rest = text.replace(/\{([^{}]*)\}/g, function (_whole: string, inner: string) {
    const known =
      TOKENS.indexOf(inner) >= 0 ||
      /^fields\.\S+$/.test(inner) ||
      /^msg\.[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(inner) ||
      (recordTokens && /^record\.\S+$/.test(inner));
    if (!known) ok = false;
    return 'x';
  });
  return ok && !/[{}]/.test(rest);
}

/** A path template with known tokens only (the runtime refuses the same at deploy, naming them). */
const validPath: Validator<RequestProps> = function (v, opt) {
  return tokensOk(String(v || ''), true) ? true : opt ? RED._(NS + 'filebridge-rest-request.errors.template') : false;
};

const validFileName: Validator<RequestProps> = function (v, opt) {
  const text = String(v || '');
  return tokensOk(text, false) && !/[\\/]/.test(text) ? true : opt ? RED._(NS + 'filebridge-rest-request.errors.fileName') : false;
};

function pairsValidator(unique: boolean): Validator<RequestProps> {
  return function (v, opt) {
    return validPairs(v, unique) ? true : opt ? RED._(NS + 'filebridge-rest-request.errors.pairs') : false;
  };
}

/** Emitting one message with the whole body only makes sense without paging; a file needs records to write. */
const validEmit: Validator<RequestProps> = function (v, opt) {
  const emit = String(v || 'one');
  const paging = String(this.paging || 'none');
  const ok = emit === 'one' ? paging === 'none' : this.response === 'json';
  return ok ? true : opt ? RED._(NS + 'filebridge-rest-request.errors.emit') : false;
};

/** A JSONata paging expression only needs to parse; blank means the default. */
const validJsonata: Validator<RequestProps> = function (v, opt) {
  const text = String(v || '').trim();
  if (text === '') return true;
  try {
    jsonataParses(text);
    return true;
  } catch {
    return opt ? RED._(NS + 'filebridge-rest-request.errors.jsonata') : false;
  }
};

/** Node-RED's editor carries JSONata (for the expression editor); without it, leave the check to the runtime. */
function jsonataParses(text: string): void {
  const w = window as unknown as { jsonata?: (expr: string) => unknown };
  if (typeof w.jsonata === 'function') w.jsonata(text);
}

defineEditor<RequestProps, undefined, RequestInstance>('filebridge-rest-request', {
  defaults: {
    name: { value: '' },
    connection: { value: '', type: 'filebridge-rest-connection', required: true },
    method: { value: 'GET', required: true },
    path: { value: '', validate: validPath },
    query: { value: [], validate: pairsValidator(false) },
    headers: { value: [], validate: pairsValidator(true) },
    body: { value: 'none', required: true },
    format: { value: '', type: 'filebridge-partner-format', required: false },
    batchSize: { value: 500, validate: range(1, 5000, RANGE) },
    batchKey: { value: '' },
    contentType: { value: 'application/octet-stream' },
    fileField: { value: 'file' },
    response: { value: 'json', required: true },
    output: { value: 'payload', required: true },
    fileName: { value: '', validate: validFileName },
    paging: { value: 'none', required: true },
    pagingItems: { value: '', validate: validJsonata },
    pagingNext: { value: '', validate: validJsonata },
    pagingCursor: { value: '', validate: validJsonata },
    offsetParam: { value: 'offset' },
    limitParam: { value: 'limit' },
    pageParam: { value: 'page' },
    sizeParam: { value: 'per_page' },
    cursorParam: { value: 'cursor' },
    pageSize: { value: 100, validate: range(1, 100000, RANGE) },
    firstPage: { value: 1, validate: range(0, 1000000, RANGE) },
    maxPages: { value: 10000, validate: range(1, 10000000, RANGE) },
    emit: { value: 'one', required: true, validate: validEmit },
  },
  paletteLabel: function () {
    return this._('filebridge-rest-request.paletteLabel');
  },
  label: function () {
    return this.name || (this.method || 'GET') + ' ' + (this.path || '/');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels: function () {
    return this._('filebridge-rest-request.inputLabel');
  },
  outputLabels: function () {
    return this._('filebridge-rest-request.outputLabel');
  },
  oneditprepare: function () {
    const node = this;
    node._collectQuery = pairsList(
      $('#node-input-query-container'),
      node.query,
      node._('filebridge-rest-request.placeholder.queryName'),
      node._('filebridge-rest-request.placeholder.queryValue'),
    );
    node._collectHeaders = pairsList(
      $('#node-input-headers-container'),
      node.headers,
      node._('filebridge-rest-request.placeholder.headerName'),
      node._('filebridge-rest-request.placeholder.headerValue'),
    );
    ['pagingItems', 'pagingNext', 'pagingCursor'].forEach(function (field) {
      $('#node-input-' + field).typedInput({ default: 'jsonata', types: ['jsonata'] });
    });
    function show(): void {
      const body = String($('#node-input-body').val() || 'none');
      const paging = String($('#node-input-paging').val() || 'none');
      const emit = String($('#node-input-emit').val() || 'one');
      const response = String($('#node-input-response').val() || 'json');
      $('.filebridge-rest-body-records').toggle(body === 'records');
      $('.filebridge-rest-body-file').toggle(body === 'file' || body === 'multipart');
      $('.filebridge-rest-body-multipart').toggle(body === 'multipart');
      $('.filebridge-rest-format').toggle(body === 'records' || emit === 'file');
      $('.filebridge-rest-paged').toggle(paging !== 'none');
      ['nextLink', 'linkHeader', 'offset', 'page', 'cursor'].forEach(function (style) {
        $('.filebridge-rest-paging-' + style).hide();
      });
      $('.filebridge-rest-paging-' + paging).show();
      $('.filebridge-rest-file-name').toggle(emit === 'file' || response === 'stream');
      RED.tray.resize();
    }
    $('#node-input-body, #node-input-paging, #node-input-emit, #node-input-response').on('change', show);
    show();
  },
  oneditsave: function () {
    this.query = this._collectQuery ? this._collectQuery() : this.query;
    this.headers = this._collectHeaders ? this._collectHeaders() : this.headers;
    delete this._collectQuery;
    delete this._collectHeaders;
  },
  oneditcancel: function () {
    delete this._collectQuery;
    delete this._collectHeaders;
  },
});
