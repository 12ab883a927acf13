/** Editor of filebridge-f360-put ("file360 put"): folder template, collision, shares of the folder, transfer details. */
import { defineEditor } from './components/register';
import type { Validator } from './types/node-red-editor';

const NS = 'node-red-contrib-ecm-filebridge/filebridge-f360-put:';
const KINDS = ['group', 'user'];
const ROLES = ['viewer', 'editor', 'owner'];
const TOKENS = ['yyyy', 'MM', 'dd', 'HH', 'mm', 'ss', 'name', 'base', 'ext', 'relativeDir', 'correlationId'];

/** One row of the Share list, as the node keeps it. */
interface Share {
  kind: string;
  name: string;
  role: string;
}

interface PutProps {
  name: string;
  server: string;
  folder: string;
  createFolders: boolean;
  collision: string;
  shares: Share[];
  details: string;
  detailsFolder: string;
}

/** While the dialog is open: reads the rows out of the list (oneditsave keeps them). */
interface PutInstance extends PutProps {
  _collectShares?: () => Share[];
}

/** The chosen server must be a File 360 one (an SFTP server would fail every message). */
const validServer: Validator<PutProps> = function (v, opt) {
  const config = RED.nodes.node(String(v || '')) as unknown as { protocol?: string } | null;
  if (!config) {
    return opt ? RED._(NS + 'filebridge-f360-put.errors.server') : false;
  }
  return config.protocol === 'file360' ? true : opt ? RED._(NS + 'filebridge-f360-put.errors.server') : false;
};

/** Tokens the runtime knows, and folder names without . or .. (the runtime checks the same at deploy). */
const validFolder: Validator<PutProps> = function (v, opt) {
  const text = String(v || '');
  let ok = true;
  const rest = text.replace(/\{([^{}]*)\}/g, function (whole: string, inner: string) {
    if (TOKENS.indexOf(inner) < 0 && !/^fields\..*\S/.test(inner)) ok = false;
    return 'x';
  });
  if (/[{}\\]/.test(rest)) ok = false;
  rest.split('/').forEach(function (part) {
    if (part === '.' || part === '..') ok = false;
  });
  return ok ? true : opt ? RED._(NS + 'filebridge-f360-put.errors.folder') : false;
};

const validShares: Validator<PutProps> = function (v, opt) {
  if (!Array.isArray(v)) {
    return opt ? RED._(NS + 'filebridge-f360-put.errors.shares') : false;
  }
  const seen: string[] = [];
  const rows: unknown[] = v;
  for (let i = 0; i < rows.length; i++) {
    const row = (rows[i] || {}) as Partial<Record<keyof Share, unknown>>;
    const name = String(row.name || '').trim();
    const key = String(row.kind) + ':' + (row.kind === 'user' ? name.toLowerCase() : name);
    if (name === '' || KINDS.indexOf(String(row.kind)) < 0 || ROLES.indexOf(String(row.role)) < 0 || seen.indexOf(key) >= 0) {
      return opt ? RED._(NS + 'filebridge-f360-put.errors.shares') : false;
    }
    seen.push(key);
  }
  return true;
};

defineEditor<PutProps, undefined, PutInstance>('filebridge-f360-put', {
  defaults: {
    name: { value: '' },
    server: { value: '', type: 'filebridge-server', required: true, validate: validServer },
    folder: { value: '', validate: validFolder },
    createFolders: { value: true },
    collision: { value: 'fail' },
    shares: { value: [], validate: validShares },
    details: { value: 'record' },
    detailsFolder: { value: 'Transfer details' },
  },
  paletteLabel: function () {
    return this._('filebridge-f360-put.paletteLabel');
  },
  label: function () {
    return this.name || (this.folder ? 'file360 put ' + this.folder : 'file360 put');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  oneditprepare: function () {
    const node = this;
    const list = $('#node-input-shares-container');
    list.css({ 'min-height': '120px', 'min-width': '420px' }).editableList<Partial<Share> | undefined>({
      addItem: function (container, index, share) {
        share = share || {};
        const row = $('<div>').addClass('filebridge-f360-share').appendTo(container);
        const kind = $('<select>').addClass('share-kind').appendTo(row);
        KINDS.forEach(function (k) {
          $('<option>')
            .val(k)
            .text(node._('filebridge-f360-put.kind.' + k))
            .appendTo(kind);
        });
        kind.val(share.kind || 'group');
        $('<input type="text" spellcheck="false">')
          .addClass('share-name')
          .attr('placeholder', node._('filebridge-f360-put.placeholder.shareName'))
          .val(share.name || '')
          .appendTo(row);
        const role = $('<select>').addClass('share-role').appendTo(row);
        ROLES.forEach(function (r) {
          $('<option>')
            .val(r)
            .text(node._('filebridge-f360-put.role.' + r))
            .appendTo(role);
        });
        role.val(share.role || 'viewer');
      },
      sortable: false,
      removable: true,
    });
    (Array.isArray(node.shares) ? node.shares : []).forEach(function (share) {
      list.editableList('addItem', share);
    });
    node._collectShares = function (): Share[] {
      const shares: Share[] = [];
      list.editableList('items').each(function () {
        const row = $(this);
        const name = String(row.find('.share-name').val()).trim();
        if (name === '') return;
        shares.push({ kind: String(row.find('.share-kind').val()), name: name, role: String(row.find('.share-role').val()) });
      });
      return shares;
    };
    function showDetails(): void {
      $('.filebridge-f360-details-folder').toggle($('#node-input-details').val() === 'record');
    }
    $('#node-input-details').on('change', showDetails);
    showDetails();
  },
  oneditsave: function () {
    this.shares = this._collectShares ? this._collectShares() : this.shares;
    delete this._collectShares;
  },
  oneditcancel: function () {
    delete this._collectShares;
  },
});
