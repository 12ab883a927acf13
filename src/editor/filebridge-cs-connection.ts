/** Editor of filebridge-cs-connection: a Content Server login, with "Test connection". */
import { defineEditor } from './components/register';
import { range } from './components/validators';

const NS = 'node-red-contrib-ecm-filebridge/filebridge-cs-connection:';
const RANGE = NS + 'filebridge-cs-connection.errors.range';

type Num = number | string;

interface CsConnectionProps {
  name: string;
  baseUrl: string;
  authMode: string;
  otdsUrl: string;
  username: string;
  clientId: string;
  timeout: Num;
  retries: Num;
  classificationRoot: Num;
  categoryTemplates: string;
  largeFileMb: Num;
}

interface CsConnectionCredentials {
  password: string;
  clientSecret: string;
  ticket: string;
}

/** The answer of "Test connection". */
interface TestAnswer {
  ok: boolean;
  user: { name: string; id: number };
  version?: string;
  error?: { code: string; message: string };
}

function validUrl(v: unknown, opt?: object): boolean | string {
  if (/^https?:\/\/\S+$/i.test(String(v || '').trim())) {
    return true;
  }
  return opt ? RED._(NS + 'filebridge-cs-connection.errors.url') : false;
}

defineEditor<CsConnectionProps, CsConnectionCredentials>('filebridge-cs-connection', {
  defaults: {
    name: { value: '' },
    baseUrl: { value: '', required: true, validate: validUrl },
    authMode: { value: 'password', required: true },
    otdsUrl: { value: '' },
    username: { value: '' },
    clientId: { value: '' },
    timeout: { value: 60, validate: range(1, 3600, RANGE) },
    retries: { value: 4, validate: range(0, 20, RANGE) },
    classificationRoot: { value: '', validate: range(1, 9007199254740991, RANGE) },
    categoryTemplates: {
      value: '',
      validate: function (v, opt) {
        if (/^[\d\s,;]*$/.test(String(v || ''))) {
          return true;
        }
        return opt ? RED._(NS + 'filebridge-cs-connection.errors.ids') : false;
      },
    },
    largeFileMb: { value: '', validate: range(1, 1048576, RANGE) },
  },
  credentials: {
    password: { type: 'password' },
    clientSecret: { type: 'password' },
    ticket: { type: 'password' },
  },
  paletteLabel: function () {
    return this._('filebridge-cs-connection.paletteLabel');
  },
  label: function () {
    return this.name || this.baseUrl || 'Content Server';
  },
  oneditprepare: function () {
    const node = this;
    const mode = $('#node-config-input-authMode');
    function showMode(): void {
      const m = mode.val() || 'password';
      $('.filebridge-cs-auth-password').toggle(m === 'password');
      $('.filebridge-cs-auth-otds').toggle(m === 'otds');
      $('.filebridge-cs-auth-ticket').toggle(m === 'ticket');
      RED.tray.resize();
    }
    mode.on('change', showMode);
    showMode();

    const result = $('#filebridge-cs-connection-result');
    $('#filebridge-cs-connection-test-button').on('click', function () {
      const button = $(this);
      button.prop('disabled', true);
      result.show().empty().text(node._('filebridge-cs-connection.test.running'));
      const body = {
        id: node.id,
        baseUrl: $('#node-config-input-baseUrl').val(),
        authMode: mode.val(),
        otdsUrl: $('#node-config-input-otdsUrl').val(),
        username: $('#node-config-input-username').val(),
        clientId: $('#node-config-input-clientId').val(),
        timeout: $('#node-config-input-timeout').val(),
        retries: $('#node-config-input-retries').val(),
        classificationRoot: $('#node-config-input-classificationRoot').val(),
        categoryTemplates: $('#node-config-input-categoryTemplates').val(),
        largeFileMb: $('#node-config-input-largeFileMb').val(),
        credentials: {
          password: $('#node-config-input-password').val(),
          clientSecret: $('#node-config-input-clientSecret').val(),
          ticket: $('#node-config-input-ticket').val(),
        },
      };
      $.ajax({ url: 'filebridge/cs/test', type: 'POST', contentType: 'application/json', data: JSON.stringify(body) })
        .done(function (answer: TestAnswer | null) {
          result.empty();
          if (answer && answer.ok) {
            $('<div class="filebridge-result-ok"></div>').text(node._('filebridge-cs-connection.test.ok')).appendTo(result);
            $('<div></div>')
              .text(node._('filebridge-cs-connection.test.user', { user: answer.user.name, id: answer.user.id }))
              .appendTo(result);
            $('<div></div>')
              .text(node._('filebridge-cs-connection.test.version', { version: answer.version || '?' }))
              .appendTo(result);
          } else {
            const error = (answer && answer.error) || { code: '?', message: '' };
            $('<div class="filebridge-result-fail"></div>')
              .text(node._('filebridge-cs-connection.test.failed') + ' ' + error.code)
              .appendTo(result);
            $('<div></div>').text(error.message).appendTo(result);
          }
        })
        .fail(function (xhr: JQuery.jqXHR) {
          result.empty();
          $('<div class="filebridge-result-fail"></div>')
            .text(node._('filebridge-cs-connection.test.failed') + ' HTTP ' + xhr.status)
            .appendTo(result);
        })
        .always(function () {
          button.prop('disabled', false);
          RED.tray.resize();
        });
    });
  },
});
