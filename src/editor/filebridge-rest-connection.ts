/** Editor of filebridge-rest-connection: a REST API's base URL, login, TLS, proxy, retries, with "Test connection". */
import { defineEditor } from './components/register';
import { range } from './components/validators';
import { pairsList, validPairs, type Pair } from './components/pairs-list';

const NS = 'node-red-contrib-ecm-filebridge/filebridge-rest-connection:';
const RANGE = NS + 'filebridge-rest-connection.errors.range';

type Num = number | string;

interface RestConnectionProps {
  name: string;
  baseUrl: string;
  authType: string;
  username: string;
  apiKeyName: string;
  apiKeyIn: string;
  tokenUrl: string;
  clientId: string;
  scope: string;
  clientAuth: string;
  headers: Pair[];
  ca: string;
  certFingerprint: string;
  rejectUnauthorized: boolean;
  proxy: string;
  proxyUrl: string;
  timeout: Num;
  connectTimeout: Num;
  retries: Num;
  rateLimit: Num;
  idempotencyHeader: string;
  testPath: string;
}

interface RestConnectionCredentials {
  password: string;
  token: string;
  apiKey: string;
  clientSecret: string;
  proxyPassword: string;
}

interface RestConnectionInstance extends RestConnectionProps {
  _collectHeaders?: () => Pair[];
}

/** The answer of "Test connection". */
interface TestAnswer {
  ok: boolean;
  status?: number;
  ms?: number;
  authenticated?: boolean;
  url?: string;
  error?: { code: string; message: string };
}

const FIELDS: (keyof RestConnectionProps)[] = [
  'baseUrl',
  'authType',
  'username',
  'apiKeyName',
  'apiKeyIn',
  'tokenUrl',
  'clientId',
  'scope',
  'clientAuth',
  'ca',
  'certFingerprint',
  'proxy',
  'proxyUrl',
  'timeout',
  'connectTimeout',
  'retries',
  'rateLimit',
  'idempotencyHeader',
  'testPath',
];
const SECRETS: (keyof RestConnectionCredentials)[] = ['password', 'token', 'apiKey', 'clientSecret', 'proxyPassword'];

function validUrl(v: unknown, opt?: object): boolean | string {
  if (/^https?:\/\/\S+$/i.test(String(v || '').trim())) return true;
  return opt ? RED._(NS + 'filebridge-rest-connection.errors.url') : false;
}

defineEditor<RestConnectionProps, RestConnectionCredentials, RestConnectionInstance>('filebridge-rest-connection', {
  defaults: {
    name: { value: '' },
    baseUrl: { value: '', required: true, validate: validUrl },
    authType: { value: 'none', required: true },
    username: { value: '' },
    apiKeyName: { value: 'X-API-Key' },
    apiKeyIn: { value: 'header' },
    tokenUrl: {
      value: '',
      validate: function (v, opt) {
        return this.authType !== 'oauth2' || validUrl(v, opt);
      },
    },
    clientId: { value: '' },
    scope: { value: '' },
    clientAuth: { value: 'basic' },
    headers: {
      value: [],
      validate: function (v, opt) {
        return validPairs(v, true) ? true : opt ? RED._(NS + 'filebridge-rest-connection.errors.headers') : false;
      },
    },
    ca: { value: '' },
    certFingerprint: {
      value: '',
      validate: function (v, opt) {
        const text = String(v || '').trim();
        if (text === '' || /^(SHA256:)?[A-Za-z0-9+/=:]+$/i.test(text)) return true;
        return opt ? RED._(NS + 'filebridge-rest-connection.errors.fingerprint') : false;
      },
    },
    rejectUnauthorized: { value: true },
    proxy: { value: 'env' },
    proxyUrl: {
      value: '',
      validate: function (v, opt) {
        return this.proxy !== 'url' || validUrl(v, opt);
      },
    },
    timeout: { value: 60, validate: range(1, 86400, RANGE) },
    connectTimeout: { value: 15, validate: range(1, 600, RANGE) },
    retries: { value: 5, validate: range(0, 50, RANGE) },
    rateLimit: { value: 0, validate: range(0, 10000, RANGE) },
    idempotencyHeader: { value: 'Idempotency-Key' },
    testPath: { value: '/' },
  },
  credentials: {
    password: { type: 'password' },
    token: { type: 'password' },
    apiKey: { type: 'password' },
    clientSecret: { type: 'password' },
    proxyPassword: { type: 'password' },
  },
  paletteLabel: function () {
    return this._('filebridge-rest-connection.paletteLabel');
  },
  label: function () {
    return this.name || this.baseUrl || 'REST';
  },
  oneditprepare: function () {
    const node = this;
    node._collectHeaders = pairsList(
      $('#node-config-input-headers-container'),
      node.headers,
      node._('filebridge-rest-connection.placeholder.headerName'),
      node._('filebridge-rest-connection.placeholder.headerValue'),
    );
    const auth = $('#node-config-input-authType');
    function show(): void {
      const a = String(auth.val() || 'none');
      ['basic', 'bearer', 'apiKey', 'oauth2'].forEach(function (t) {
        $('.filebridge-rest-auth-' + t).toggle(a === t);
      });
      $('.filebridge-rest-proxy-url').toggle($('#node-config-input-proxy').val() === 'url');
      RED.tray.resize();
    }
    auth.on('change', show);
    $('#node-config-input-proxy').on('change', show);
    show();

    const result = $('#filebridge-rest-connection-result');
    $('#filebridge-rest-connection-test-button').on('click', function () {
      const button = $(this);
      button.prop('disabled', true);
      result.show().empty().text(node._('filebridge-rest-connection.test.running'));
      const body: Record<string, unknown> = { id: node.id };
      FIELDS.forEach(function (field) {
        body[field] = $('#node-config-input-' + field).val();
      });
      body.rejectUnauthorized = $('#node-config-input-rejectUnauthorized').prop('checked');
      body.headers = node._collectHeaders ? node._collectHeaders() : [];
      const credentials: Record<string, unknown> = {};
      SECRETS.forEach(function (secret) {
        credentials[secret] = $('#node-config-input-' + secret).val();
      });
      body.credentials = credentials;
      $.ajax({ url: 'filebridge/rest/test', type: 'POST', contentType: 'application/json', data: JSON.stringify(body) })
        .done(function (answer: TestAnswer | null) {
          result.empty();
          if (answer && answer.ok) {
            $('<div class="filebridge-result-ok"></div>').text(node._('filebridge-rest-connection.test.ok')).appendTo(result);
            $('<div></div>')
              .text(node._('filebridge-rest-connection.test.status', { status: answer.status || '?', ms: answer.ms || 0 }))
              .appendTo(result);
          } else {
            const error = (answer && answer.error) || { code: '?', message: '' };
            $('<div class="filebridge-result-fail"></div>')
              .text(node._('filebridge-rest-connection.test.failed') + ' ' + error.code)
              .appendTo(result);
            $('<div></div>').text(error.message).appendTo(result);
          }
        })
        .fail(function (xhr: JQuery.jqXHR) {
          result.empty();
          $('<div class="filebridge-result-fail"></div>')
            .text(node._('filebridge-rest-connection.test.failed') + ' HTTP ' + xhr.status)
            .appendTo(result);
        })
        .always(function () {
          button.prop('disabled', false);
          RED.tray.resize();
        });
    });
  },
  oneditsave: function () {
    this.headers = this._collectHeaders ? this._collectHeaders() : this.headers;
    delete this._collectHeaders;
  },
  oneditcancel: function () {
    delete this._collectHeaders;
  },
});
