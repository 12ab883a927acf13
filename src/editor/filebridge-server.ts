/**
 * Editor of filebridge-server: an SFTP, FTP or FTPS server login, a Dropbox account ("Connect to
 * Dropbox" signs in with PKCE through the runtime's admin endpoints), or a File 360 connection (API
 * and SSO URLs, OAuth client, optional user), with "Test connection" and a folder picker.
 */
import { browseFile360Folders } from './components/file360-picker';
import { browseFolders, PickerText } from './components/folder-picker';
import { defineEditor } from './components/register';
import { range } from './components/validators';
import { formatBytes } from '../core/progress';

const DEFAULT_PORTS: Record<string, number> = { sftp: 22, ftp: 21, 'ftps-explicit': 21, 'ftps-implicit': 990 };
/** Placeholder the editor puts in a password field when a value is stored but not sent to the browser. */
const STORED = '__PWRD__';
const RANGE = 'node-red-contrib-ecm-filebridge/filebridge-server:filebridge-server.errors.range';

type Num = number | string;

interface ServerProps {
  name: string;
  protocol: string;
  host: string;
  port: Num;
  username: string;
  hostKey: string;
  trustOnFirstUse: boolean;
  tlsCa: string;
  tlsFingerprint: string;
  tlsServername: string;
  connectTimeout: Num;
  idleTimeout: Num;
  keepalive: Num;
  poolSize: Num;
  connectRetries: Num;
  unreadTimeout: Num;
  appKey: string;
  teamRoot: boolean;
  serviceUrl: string;
  accountName: string;
  apiUrl: string;
  ssoUrl: string;
  clientId: string;
}

interface ServerCredentials {
  password: string;
  privateKey: string;
  passphrase: string;
  refreshToken: string;
  clientSecret: string;
}

/** What `filebridge/server/test` reports. */
interface TestReport {
  ok?: boolean;
  server?: string;
  protocol?: string;
  folder?: string;
  error?: { code?: string; message?: string; details?: { keyType?: unknown } };
  hostKey?: { fingerprint?: string; type?: string };
  certificate?: { fingerprint256?: string; subject?: string; issuer?: string; validFrom?: string; validTo?: string; chainVerified?: boolean };
  entries?: { name: string; type: string; size?: number }[];
  truncated?: boolean;
  /** Dropbox and File 360: the signed-in account (File 360: the user, or the client signed in as itself). */
  account?: { name?: string };
  /** File 360: the user's root folder. */
  root?: { id?: string };
}

/** The protocol chosen in the open dialog, else the node's own. */
function protocolOf(node: { protocol?: string }): string {
  const select = $('#node-config-input-protocol');
  return String((select.length ? select.val() : node.protocol) || 'sftp');
}

/**
 * Host and user are needed by every protocol except Dropbox, which signs in instead, and File 360,
 * which has URLs instead of a host and signs in as the OAuth client when no user is given.
 */
function neededUnlessDropbox(this: { protocol?: string }, v: unknown, opt?: unknown): boolean | string {
  const protocol = protocolOf(this);
  if (protocol === 'dropbox' || protocol === 'file360' || String(v ?? '').trim() !== '') {
    return true;
  }
  return opt ? RED._('node-red-contrib-ecm-filebridge/filebridge-server:filebridge-server.errors.required') : false;
}

function isSftp(protocol: unknown): boolean {
  return protocol === 'sftp';
}
function isFtps(protocol: unknown): boolean {
  return protocol === 'ftps-explicit' || protocol === 'ftps-implicit';
}

function sameCertFingerprint(a: unknown, b: unknown): boolean {
  const norm = function (s: unknown): string {
    return String(s || '')
      .replace(/^sha-?256[:=\s]*/i, '')
      .replace(/[:\s]/g, '')
      .toUpperCase();
  };
  return norm(a) !== '' && norm(a) === norm(b);
}

function formatSize(bytes: unknown): string {
  return typeof bytes === 'number' && isFinite(bytes) ? formatBytes(bytes) : '';
}

defineEditor<ServerProps, ServerCredentials>('filebridge-server', {
  defaults: {
    name: { value: '' },
    protocol: { value: 'sftp', required: true },
    host: { value: '', validate: neededUnlessDropbox },
    port: {
      value: '',
      validate: function (v, opt) {
        if (v === '' || v === undefined || v === null) {
          return true;
        }
        const n = Number(v);
        if (RED.validators.number()(v) === true && Math.floor(n) === n && n >= 1 && n <= 65535) {
          return true;
        }
        return opt ? RED._('node-red-contrib-ecm-filebridge/filebridge-server:filebridge-server.errors.port') : false;
      },
    },
    username: { value: '', validate: neededUnlessDropbox },
    hostKey: { value: '' },
    trustOnFirstUse: { value: false },
    tlsCa: { value: '' },
    tlsFingerprint: { value: '' },
    tlsServername: { value: '' },
    connectTimeout: { value: 15, validate: range(1, 600, RANGE) },
    idleTimeout: { value: 60, validate: range(1, 3600, RANGE) },
    keepalive: { value: 15, validate: range(0, 3600, RANGE) },
    poolSize: { value: 2, validate: range(1, 16, RANGE) },
    connectRetries: { value: 2, validate: range(0, 10, RANGE) },
    unreadTimeout: { value: 300, validate: range(0, 86400, RANGE) },
    appKey: {
      value: '',
      validate: function (v, opt) {
        if (protocolOf(this) !== 'dropbox' || /^[A-Za-z0-9._-]{1,128}$/.test(String(v ?? '').trim())) {
          return true;
        }
        return opt ? RED._('node-red-contrib-ecm-filebridge/filebridge-server:filebridge-server.errors.appKey') : false;
      },
    },
    teamRoot: { value: false },
    serviceUrl: { value: '' },
    accountName: { value: '' },
    apiUrl: { value: '' },
    ssoUrl: { value: '' },
    clientId: {
      value: '',
      validate: function (v, opt) {
        if (protocolOf(this) !== 'file360' || String(v ?? '').trim() !== '') {
          return true;
        }
        return opt ? RED._('node-red-contrib-ecm-filebridge/filebridge-server:filebridge-server.errors.clientId') : false;
      },
    },
  },
  credentials: {
    password: { type: 'password' },
    privateKey: { type: 'password' },
    passphrase: { type: 'password' },
    refreshToken: { type: 'password' },
    clientSecret: { type: 'password' },
  },
  paletteLabel: function () {
    return this._('filebridge-server.paletteLabel');
  },
  label: function () {
    if (this.name) {
      return this.name;
    }
    const protocol = this.protocol || 'sftp';
    if (protocol === 'dropbox') {
      return 'Dropbox: ' + (this.accountName || '?') + (this.teamRoot ? ' (team)' : '');
    }
    if (protocol === 'file360') {
      const api = String(this.apiUrl || '')
        .trim()
        .replace(/^https?:\/\//, '')
        .replace(/\/+$/, '');
      return 'File 360: ' + (String(this.username || '').trim() || this.clientId || '?') + '@' + (api || 'core.opentext.com');
    }
    const port = this.port === '' || this.port === undefined || this.port === null ? DEFAULT_PORTS[protocol] : this.port;
    return protocol + '://' + (this.host || '?') + ':' + port;
  },
  oneditprepare: function () {
    const node = this;
    const keyStored = $('#node-config-input-privateKey').val() === STORED;
    let keyForgotten = false;

    const tabs = RED.tabs.create({
      id: 'node-config-filebridge-server-tabs',
      onchange: function (tab) {
        $('#node-config-filebridge-server-tabs-content').children().hide();
        $('#' + tab.id).show();
        RED.tray.resize();
      },
    });
    tabs.addTab({ id: 'filebridge-server-tab-connection', label: node._('filebridge-server.tabs.connection') });
    tabs.addTab({ id: 'filebridge-server-tab-security', label: node._('filebridge-server.tabs.security') });
    tabs.addTab({ id: 'filebridge-server-tab-advanced', label: node._('filebridge-server.tabs.advanced') });
    setTimeout(function () {
      tabs.resize();
    }, 0);

    // A stored private key arrives as a placeholder; do not show it as if it were key text.
    const privateKeyInput = $('#node-config-input-privateKey');
    function showKeyState(): void {
      // oneditsave reads this to tell "left empty" from "cleared".
      privateKeyInput.data('filebridgeKeyStored', keyStored && !keyForgotten);
      if (keyStored && !keyForgotten && privateKeyInput.val() === '') {
        privateKeyInput.attr('placeholder', node._('filebridge-server.placeholder.privateKeyStored'));
        $('.filebridge-server-key-stored').toggle(isSftp($('#node-config-input-protocol').val()));
      } else {
        privateKeyInput.attr('placeholder', node._('filebridge-server.placeholder.privateKey'));
        $('.filebridge-server-key-stored').hide();
      }
    }
    if (keyStored) {
      privateKeyInput.val('');
    }
    privateKeyInput.on('input change', showKeyState);
    $('#filebridge-server-forget-key').on('click', function (e) {
      e.preventDefault();
      keyForgotten = true;
      showKeyState();
    });

    const protocolSelect = $('#node-config-input-protocol');
    const portInput = $('#node-config-input-port');
    let lastProtocol = String(protocolSelect.val() || 'sftp');
    function applyProtocol(): void {
      const protocol = String(protocolSelect.val() || 'sftp');
      const port = String(portInput.val() || '').trim();
      if (protocol !== lastProtocol && port !== '' && String(DEFAULT_PORTS[lastProtocol]) === port) {
        // The port was the old protocol's default: follow the protocol.
        portInput.val(String(DEFAULT_PORTS[protocol])).trigger('change');
      }
      lastProtocol = protocol;
      if (DEFAULT_PORTS[protocol]) {
        portInput.attr('placeholder', String(DEFAULT_PORTS[protocol]));
      }
      $('.filebridge-server-login').toggle(protocol !== 'dropbox');
      // File 360 has URLs instead of a host; its user and password are optional (blank: the OAuth client signs in).
      $('.filebridge-server-host').toggle(protocol !== 'dropbox' && protocol !== 'file360');
      $('.filebridge-server-file360').toggle(protocol === 'file360');
      $('.filebridge-server-browse').toggle(protocol === 'dropbox' || protocol === 'file360');
      $('.filebridge-server-sftp').toggle(isSftp(protocol));
      $('.filebridge-server-ftps').toggle(isFtps(protocol));
      $('.filebridge-server-ftp').toggle(protocol === 'ftp');
      $('.filebridge-server-dropbox').toggle(protocol === 'dropbox');
      // The folder row has a Browse button too: the folder field leaves it room.
      $('.filebridge-server-dialog').toggleClass('filebridge-server-is-dropbox', protocol === 'dropbox' || protocol === 'file360');
      if (protocol === 'dropbox' && !connecting) {
        $('.filebridge-server-dropbox-code').hide();
      }
      if (protocol !== 'dropbox') {
        dropboxResult.hide();
      }
      $('#filebridge-server-test-folder').attr(
        'placeholder',
        protocol === 'dropbox' || protocol === 'file360' ? '/' : node._('filebridge-server.placeholder.testFolder'),
      );
      $('.filebridge-server-tofu-warning').toggle(isSftp(protocol) && $('#node-config-input-trustOnFirstUse').is(':checked'));
      showKeyState();
      RED.tray.resize();
    }
    /* ---- Dropbox: Connect to Dropbox (PKCE sign-in through the runtime) ---- */
    const dropboxResult = $('#filebridge-server-dropbox-result');
    const accountInput = $('#node-config-input-accountName');
    const refreshTokenInput = $('#node-config-input-refreshToken');
    const connectButton = $('#filebridge-server-dropbox-connect');
    /** The state of the sign-in started last; the runtime keeps its verifier under it. */
    let signInState = '';
    let connecting = false;
    let connectedNow = false;

    function showAccount(): void {
      const account = String(accountInput.val() || '');
      $('#filebridge-server-dropbox-account').text(
        account
          ? node._(connectedNow ? 'filebridge-server.dropbox.connectedPending' : 'filebridge-server.dropbox.connectedAs', { account: account })
          : node._('filebridge-server.dropbox.notConnected'),
      );
    }

    function dropboxMessage(ok: boolean, text: string): void {
      dropboxResult.empty().show();
      const status = $('<div>')
        .addClass('filebridge-result-status ' + (ok ? 'filebridge-result-ok' : 'filebridge-result-fail'))
        .appendTo(dropboxResult);
      $('<i class="fa">')
        .addClass(ok ? 'fa-check-circle' : 'fa-times-circle')
        .appendTo(status);
      $('<span>')
        .text(' ' + text)
        .appendTo(status);
      RED.tray.resize();
    }

    function dropboxFields(): { id: string; appKey: string; serviceUrl: string } {
      return { id: node.id, appKey: field('appKey').trim(), serviceUrl: field('serviceUrl').trim() };
    }

    function requestText(xhr: JQuery.jqXHR): string {
      return xhr.status === 404 ? node._('filebridge-server.test.notInstalled') : xhr.status + ' ' + (xhr.statusText || '');
    }

    connectButton.on('click', function () {
      // Opened now, while the click counts as the user's: a window opened after the answer would be blocked.
      const popup = window.open('', '_blank');
      connecting = true;
      $('.filebridge-server-dropbox-code').hide();
      dropboxMessage(true, node._('filebridge-server.dropbox.starting'));
      $.ajax({
        url: 'filebridge/server/dropbox/authorize',
        type: 'POST',
        contentType: 'application/json',
        dataType: 'json',
        data: JSON.stringify(dropboxFields()),
      })
        .done(function (res: { ok?: boolean; url?: string; state?: string; error?: { code?: string; message?: string } } | null) {
          if (!res || !res.ok || !res.url || !res.state) {
            if (popup) {
              popup.close();
            }
            connecting = false;
            dropboxMessage(false, node._('filebridge-server.dropbox.failed', { message: (res && res.error && res.error.message) || '?' }));
            return;
          }
          signInState = res.state;
          $('#filebridge-server-dropbox-authorize-link').attr('href', res.url);
          $('#filebridge-server-dropbox-code').val('');
          $('.filebridge-server-dropbox-code').show();
          dropboxResult.hide();
          if (popup) {
            popup.location.href = res.url;
          } else {
            dropboxMessage(false, node._('filebridge-server.dropbox.popupBlocked'));
          }
          RED.tray.resize();
        })
        .fail(function (xhr: JQuery.jqXHR) {
          if (popup) {
            popup.close();
          }
          connecting = false;
          dropboxMessage(false, node._('filebridge-server.dropbox.failed', { message: requestText(xhr) }));
        });
    });

    $('#filebridge-server-dropbox-finish').on('click', function () {
      const code = String($('#filebridge-server-dropbox-code').val() || '').trim();
      if (!code) {
        dropboxMessage(false, node._('filebridge-server.dropbox.noCode'));
        return;
      }
      const finish = $(this).prop('disabled', true);
      dropboxMessage(true, node._('filebridge-server.dropbox.exchanging'));
      $.ajax({
        url: 'filebridge/server/dropbox/connect',
        type: 'POST',
        contentType: 'application/json',
        dataType: 'json',
        data: JSON.stringify({ id: node.id, state: signInState, code: code }),
      })
        .done(function (res: { ok?: boolean; account?: { name?: string }; error?: { code?: string; message?: string } } | null) {
          if (res && res.ok && res.account) {
            // The runtime keeps the refresh token with this configuration's credentials; the dialog
            // never sees it. The placeholder says "a stored value, unchanged", so Done keeps it.
            refreshTokenInput.val(STORED);
            accountInput.val(String(res.account.name || '')).trigger('change');
            connectedNow = true;
            connecting = false;
            signInState = '';
            $('.filebridge-server-dropbox-code').hide();
            showAccount();
            dropboxMessage(true, node._('filebridge-server.dropbox.okAccount', { account: String(res.account.name || '') }));
          } else {
            dropboxMessage(false, node._('filebridge-server.dropbox.failed', { message: (res && res.error && res.error.message) || '?' }));
          }
        })
        .fail(function (xhr: JQuery.jqXHR) {
          dropboxMessage(false, node._('filebridge-server.dropbox.failed', { message: requestText(xhr) }));
        })
        .always(function () {
          finish.prop('disabled', false);
        });
    });
    showAccount();

    protocolSelect.on('change', applyProtocol);
    $('#node-config-input-trustOnFirstUse').on('change', applyProtocol);
    applyProtocol();

    $('#node-config-input-poolSize').spinner({ min: 1, max: 16 });
    $('#node-config-input-connectRetries').spinner({ min: 0, max: 10 });

    /* ---- Test connection ---- */
    const resultBox = $('#filebridge-server-test-result');
    const testButton = $('#filebridge-server-test-button');

    function field(name: string): string {
      return String($('#node-config-input-' + name).val() ?? '');
    }

    function credentialsForTest(protocol: string): Record<keyof ServerCredentials, string> {
      if (protocol === 'dropbox') {
        // Only the stored sign-in: the runtime uses it when it was made for these settings.
        return { password: '', privateKey: '', passphrase: '', refreshToken: STORED, clientSecret: '' };
      }
      if (protocol === 'file360') {
        // As typed, or the placeholder of a stored one, which the runtime uses only for the same URLs, client and user.
        return {
          password: String($('#node-config-input-password').val()),
          privateKey: '',
          passphrase: '',
          refreshToken: '',
          clientSecret: String($('#node-config-input-clientSecret').val()),
        };
      }
      let privateKey = String(privateKeyInput.val());
      if (privateKey === '' && privateKeyInput.data('filebridgeKeyStored') === true) {
        privateKey = STORED;
      }
      return {
        password: String($('#node-config-input-password').val()),
        privateKey: isSftp(protocol) ? privateKey : '',
        passphrase: isSftp(protocol) ? String($('#node-config-input-passphrase').val()) : '',
        refreshToken: '',
        clientSecret: '',
      };
    }

    function pinHostKey(fingerprint: string): void {
      const area = $('#node-config-input-hostKey');
      const text = String(area.val());
      if (text.trim() === '') {
        area.val(fingerprint);
      } else {
        area.val(text.replace(/\s+$/, '') + '\n' + fingerprint);
      }
      area.trigger('change');
    }

    function pinnedNote(): JQuery {
      return $('<div>').addClass('form-tips').css({ margin: '4px 0 0 0' }).text(node._('filebridge-server.test.pinnedSwitch'));
    }

    /** Rows of label, value and whether the value is code; rows without a value are left out. */
    function factsTable(rows: [string, unknown, boolean?][]): JQuery {
      const table = $('<table>');
      rows.forEach(function (row) {
        if (row[1] === undefined || row[1] === null || row[1] === '') {
          return;
        }
        const tr = $('<tr>').appendTo(table);
        $('<td>').text(row[0]).appendTo(tr);
        const cell = $('<td>').appendTo(tr);
        if (row[2]) {
          $('<code>').text(String(row[1])).appendTo(cell);
        } else {
          cell.text(String(row[1]));
        }
      });
      return table;
    }

    function renderReport(report: TestReport): void {
      resultBox.empty().show();
      const server = report.server || field('host') + ':' + (field('port') || DEFAULT_PORTS[field('protocol')]);
      const status = $('<div>').addClass('filebridge-result-status').appendTo(resultBox);
      if (report.ok && report.account && report.protocol === 'file360') {
        status.addClass('filebridge-result-ok');
        $('<i class="fa fa-check-circle"></i>').appendTo(status);
        $('<span>')
          .text(' ' + node._('filebridge-server.test.okFile360', { account: String(report.account.name || '?'), server: String(report.server || '') }))
          .appendTo(status);
        if (report.root && report.root.id) {
          factsTable([[node._('filebridge-server.test.rootFolder'), report.root.id, true]]).appendTo(
            $('<div>').addClass('filebridge-result-section').appendTo(resultBox),
          );
        }
      } else if (report.ok && report.account) {
        status.addClass('filebridge-result-ok');
        $('<i class="fa fa-check-circle"></i>').appendTo(status);
        $('<span>')
          .text(' ' + node._('filebridge-server.test.okDropbox', { account: String(report.account.name || '?') }))
          .appendTo(status);
      } else if (report.ok) {
        status.addClass('filebridge-result-ok');
        $('<i class="fa fa-check-circle"></i>').appendTo(status);
        const protocolName = node._('filebridge-server.protocol.' + (report.protocol || field('protocol')));
        $('<span>')
          .text(' ' + node._('filebridge-server.test.ok', { server: server, protocol: protocolName }))
          .appendTo(status);
      } else {
        const code = (report.error && report.error.code) || 'CONNECTION';
        status.addClass('filebridge-result-fail');
        $('<i class="fa fa-times-circle"></i>').appendTo(status);
        $('<span>')
          .text(' ' + node._('filebridge-server.test.failed', { server: server, code: code }))
          .appendTo(status);
        if (report.error && report.error.message) {
          $('<div>').addClass('filebridge-result-message').text(report.error.message).appendTo(resultBox);
        }
      }

      if (report.hostKey && report.hostKey.fingerprint) {
        const fp = String(report.hostKey.fingerprint);
        const keyType = report.hostKey.type || (report.error && report.error.details && report.error.details.keyType);
        const keySection = $('<div>').addClass('filebridge-result-section').appendTo(resultBox);
        $('<div>')
          .addClass('filebridge-result-title')
          .text(node._('filebridge-server.test.hostKey') + (typeof keyType === 'string' ? ' (' + keyType + ')' : ''))
          .appendTo(keySection);
        $('<code>').text(fp).appendTo($('<div>').appendTo(keySection));
        if (String($('#node-config-input-hostKey').val()).indexOf(fp) !== -1) {
          $('<div>').text(node._('filebridge-server.test.keyPinned')).appendTo(keySection);
        } else {
          const pinKey = $('<button type="button" class="red-ui-button red-ui-button-small">')
            .append('<i class="fa fa-thumb-tack"></i> ')
            .append($('<span>').text(node._('filebridge-server.test.pinKey')))
            .appendTo(keySection);
          pinKey.on('click', function () {
            pinHostKey(fp);
            pinKey.prop('disabled', true);
            pinnedNote().appendTo(keySection);
          });
        }
      }

      if (report.certificate && report.certificate.fingerprint256) {
        const cert = report.certificate;
        const certSection = $('<div>').addClass('filebridge-result-section').appendTo(resultBox);
        $('<div>').addClass('filebridge-result-title').text(node._('filebridge-server.test.certificate')).appendTo(certSection);
        const valid =
          cert.validFrom || cert.validTo ? node._('filebridge-server.test.validRange', { from: cert.validFrom || '?', to: cert.validTo || '?' }) : '';
        const chain =
          typeof cert.chainVerified === 'boolean'
            ? node._(cert.chainVerified ? 'filebridge-server.test.chainVerified' : 'filebridge-server.test.chainNotVerified')
            : '';
        factsTable([
          [node._('filebridge-server.test.subject'), cert.subject],
          [node._('filebridge-server.test.issuer'), cert.issuer],
          [node._('filebridge-server.test.valid'), valid],
          [node._('filebridge-server.test.fingerprint'), cert.fingerprint256, true],
          [node._('filebridge-server.test.chain'), chain],
        ]).appendTo(certSection);
        if (sameCertFingerprint($('#node-config-input-tlsFingerprint').val(), cert.fingerprint256)) {
          $('<div>').text(node._('filebridge-server.test.certPinned')).appendTo(certSection);
        } else {
          const pinCert = $('<button type="button" class="red-ui-button red-ui-button-small">')
            .append('<i class="fa fa-thumb-tack"></i> ')
            .append($('<span>').text(node._('filebridge-server.test.pinCert')))
            .appendTo(certSection);
          pinCert.on('click', function () {
            $('#node-config-input-tlsFingerprint').val(String(cert.fingerprint256)).trigger('change');
            pinCert.prop('disabled', true);
            pinnedNote().appendTo(certSection);
          });
        }
      }

      if (report.ok && Array.isArray(report.entries)) {
        const shown = 12;
        const listSection = $('<div>').addClass('filebridge-result-section').appendTo(resultBox);
        const titleKey = report.truncated ? 'filebridge-server.test.folderTruncated' : 'filebridge-server.test.folder';
        $('<div>')
          .addClass('filebridge-result-title')
          .text(node._(titleKey, { folder: report.folder || '.', count: report.entries.length }))
          .appendTo(listSection);
        const list = $('<ul>').appendTo(listSection);
        if (report.entries.length === 0) {
          $('<li>').text(node._('filebridge-server.test.empty')).appendTo(list);
        }
        // Folders first, then by name: servers list in whatever order they store entries.
        const entries = report.entries.slice().sort(function (a, b) {
          const da = a.type === 'directory' ? 0 : 1;
          const db = b.type === 'directory' ? 0 : 1;
          if (da !== db) {
            return da - db;
          }
          return String(a.name).localeCompare(String(b.name));
        });
        entries.slice(0, shown).forEach(function (entry) {
          const li = $('<li>').appendTo(list);
          const icon = entry.type === 'directory' ? 'fa-folder-o' : entry.type === 'symlink' ? 'fa-link' : 'fa-file-o';
          $('<i>')
            .addClass('fa ' + icon)
            .appendTo(li);
          $('<span>')
            .text(' ' + entry.name + (entry.type === 'directory' ? '/' : ''))
            .appendTo(li);
          if (entry.type !== 'directory') {
            $('<span>').addClass('filebridge-size').text(formatSize(entry.size)).appendTo(li);
          }
        });
        if (report.entries.length > shown) {
          $('<li>')
            .text(node._('filebridge-server.test.more', { count: report.entries.length - shown }))
            .appendTo(list);
        }
      }
      RED.tray.resize();
      resultBox[0].scrollIntoView({ block: 'nearest' });
    }

    function renderRequestFailure(xhr: JQuery.jqXHR | undefined, textStatus: string, errorThrown: string): void {
      resultBox.empty().show();
      const status = $('<div>').addClass('filebridge-result-status filebridge-result-fail').appendTo(resultBox);
      $('<i class="fa fa-times-circle"></i>').appendTo(status);
      let text: string;
      if (xhr && xhr.status === 404) {
        text = node._('filebridge-server.test.notInstalled');
      } else {
        const reason = xhr && xhr.status ? xhr.status + ' ' + (errorThrown || xhr.statusText || '') : textStatus || 'error';
        text = node._('filebridge-server.test.requestFailed', { error: String(reason).trim() });
      }
      $('<span>')
        .text(' ' + text)
        .appendTo(status);
      RED.tray.resize();
    }

    /** The settings as typed now, as the admin endpoints take them. */
    function typedSettings() {
      const protocol = field('protocol') || 'sftp';
      return {
        id: node.id,
        protocol: protocol,
        host: field('host'),
        port: field('port'),
        username: field('username'),
        hostKey: field('hostKey'),
        trustOnFirstUse: $('#node-config-input-trustOnFirstUse').is(':checked'),
        tlsCa: field('tlsCa'),
        tlsFingerprint: field('tlsFingerprint'),
        tlsServername: field('tlsServername'),
        connectTimeout: field('connectTimeout'),
        idleTimeout: field('idleTimeout'),
        keepalive: field('keepalive'),
        poolSize: field('poolSize'),
        connectRetries: field('connectRetries'),
        appKey: field('appKey'),
        teamRoot: $('#node-config-input-teamRoot').is(':checked'),
        serviceUrl: field('serviceUrl'),
        apiUrl: field('apiUrl'),
        ssoUrl: field('ssoUrl'),
        clientId: field('clientId'),
        credentials: credentialsForTest(protocol),
      };
    }

    /* ---- Folder picker (Dropbox): browse from the typed folder, "Select" puts it in the field ---- */
    $('#filebridge-server-browse-button').on('click', function () {
      const settings = typedSettings();
      if (settings.protocol === 'file360') {
        browseFile360Folders(
          $(this).closest('.form-row'),
          node.id,
          String($('#filebridge-server-test-folder').val() || '').trim() || undefined,
          function (path) {
            $('#filebridge-server-test-folder').val(path).trigger('change');
          },
          settings,
        );
        return;
      }
      const text = function (key: PickerText): string {
        return node._('filebridge-server.picker.' + key);
      };
      browseFolders(
        $(this).closest('.form-row'),
        { kind: 'dropbox', connectionId: node.id, text: text },
        function (folder) {
          return { url: 'filebridge/server/dropbox/browse', body: { ...settings, folder: folder === undefined ? '' : folder } };
        },
        String($('#filebridge-server-test-folder').val() || '').trim() || undefined,
        function (path) {
          $('#filebridge-server-test-folder').val(path).trigger('change');
        },
      );
    });

    testButton.on('click', function () {
      const body = { ...typedSettings(), folder: String($('#filebridge-server-test-folder').val()).trim() };
      const waitSeconds = (Number(body.connectTimeout) || 15) + (Number(body.idleTimeout) || 60) + 15;
      testButton.prop('disabled', true);
      resultBox.empty().show();
      $('<div>')
        .append('<i class="fa fa-spinner fa-spin"></i> ')
        .append($('<span>').text(node._('filebridge-server.test.connecting')))
        .appendTo(resultBox);
      RED.tray.resize();
      $.ajax({
        url: 'filebridge/server/test',
        type: 'POST',
        contentType: 'application/json',
        dataType: 'json',
        data: JSON.stringify(body),
        timeout: waitSeconds * 1000,
      })
        .done(function (report: TestReport | null) {
          renderReport(report || {});
        })
        .fail(renderRequestFailure)
        .always(function () {
          testButton.prop('disabled', false);
        });
    });
  },
  oneditsave: function () {
    const protocol = $('#node-config-input-protocol').val();
    const privateKeyInput = $('#node-config-input-privateKey');
    if (protocol !== 'sftp') {
      // FTP and FTPS log in with a password only: a hidden key would make the configuration unusable.
      privateKeyInput.val('');
      $('#node-config-input-passphrase').val('');
    } else if (privateKeyInput.val() === '' && privateKeyInput.data('filebridgeKeyStored') === true) {
      // Keep the stored key: the editor treats this placeholder as "unchanged".
      privateKeyInput.val(STORED);
    }
    if (protocol !== 'file360') {
      // Only File 360 has an OAuth client: a secret kept from an earlier protocol is removed.
      $('#node-config-input-clientSecret').val('');
    }
    if (protocol === 'dropbox') {
      // A Dropbox account signs in instead: a password kept from an earlier protocol is removed.
      $('#node-config-input-password').val('');
    } else {
      // A server needs no Dropbox sign-in: a stored one is removed, and so is the account's name.
      $('#node-config-input-refreshToken').val('');
      $('#node-config-input-accountName').val('');
    }
  },
});
