/** Editor of filebridge-remote: one operation (list, stat, get, put, move, delete, mkdir) on the server. */
import { browseFile360Folders, isFile360Server } from './components/file360-picker';
import { defineEditor } from './components/register';
import type { TypedInputType, Validator } from './types/node-red-editor';

const NS = 'node-red-contrib-ecm-filebridge/filebridge-remote:';
const PATH_TYPES: TypedInputType[] = ['str', 'msg', 'flow', 'global', 'env', 'jsonata'];

interface RemoteProps {
  name: string;
  server: string;
  operation: string;
  path: string;
  pathType: string;
  destination: string;
  destinationType: string;
  glob: string;
  recursive: boolean;
  maxDepth: number | string;
  includeFolders: boolean;
  includeDotFiles: boolean;
  output: string;
  maxBufferMB: number | string;
  conflict: string;
  createFolders: boolean;
  atomic: boolean;
  verifySize: boolean;
  doneSuffix: string;
  keepMtime: boolean;
  overwrite: boolean;
  missingOk: boolean;
  deleteFolders: boolean;
}

/** A fixed path with a ".." segment or a NUL byte would be refused at run time: say so now. */
function badFixedPath(value: unknown): boolean {
  const text = String(value || '');
  return text.indexOf('\u0000') !== -1 || text.split(/[\\/]/).indexOf('..') !== -1;
}

function typedField(typeField: 'pathType' | 'destinationType', onlyFor?: string[]): Validator<RemoteProps> {
  const check = RED.validators.typedInput<RemoteProps>(typeField);
  return function (v, opt) {
    const operation = $('#node-input-operation').val() || this.operation;
    if (onlyFor && onlyFor.indexOf(String(operation)) === -1) {
      return true;
    }
    const type = $('#node-input-' + typeField).val() || this[typeField] || 'str';
    if (type === 'str' && badFixedPath(v)) {
      return opt ? RED._(NS + 'filebridge-remote.errors.path') : false;
    }
    return check.call(this, v, opt);
  };
}

function shownValue(value: string, type: string): string {
  if (!value) {
    return '';
  }
  if (type === 'msg' || type === 'flow' || type === 'global' || type === 'env') {
    return type + '.' + value;
  }
  if (type === 'jsonata') {
    return 'expression';
  }
  return value;
}

defineEditor<RemoteProps>('filebridge-remote', {
  defaults: {
    name: { value: '' },
    server: { value: '', type: 'filebridge-server', required: true },
    operation: { value: 'list', required: true },
    path: { value: '', validate: typedField('pathType') },
    pathType: { value: 'str' },
    destination: { value: '', validate: typedField('destinationType', ['move']) },
    destinationType: { value: 'str' },
    glob: { value: '' },
    recursive: { value: false },
    maxDepth: {
      value: '',
      validate: function (v, opt) {
        if (v === '' || v === undefined || v === null || /^\s*\d+\s*$/.test(String(v))) {
          return true;
        }
        return opt ? RED._(NS + 'filebridge-remote.errors.maxDepth') : false;
      },
    },
    includeFolders: { value: false },
    includeDotFiles: { value: false },
    output: { value: 'auto' },
    maxBufferMB: {
      value: 16,
      validate: function (v, opt) {
        if (v === '' || v === undefined || v === null) {
          return true;
        }
        if (RED.validators.number()(v) === true && Number(v) > 0) {
          return true;
        }
        return opt ? RED._(NS + 'filebridge-remote.errors.maxBufferMB') : false;
      },
    },
    conflict: { value: 'fail' },
    createFolders: { value: true },
    atomic: { value: true },
    verifySize: { value: true },
    doneSuffix: { value: '' },
    keepMtime: { value: true },
    overwrite: { value: false },
    missingOk: { value: false },
    deleteFolders: { value: false },
  },
  paletteLabel: function () {
    return this._('filebridge-remote.paletteLabel');
  },
  label: function () {
    if (this.name) {
      return this.name;
    }
    const operation = this.operation || 'list';
    let path = shownValue(this.path, this.pathType);
    if (!path && operation === 'list') {
      path = '.';
    }
    if (!path && operation === 'put') {
      path = 'msg.filename';
    }
    let text = 'remote: ' + operation + (path ? ' ' + path : '');
    if (operation === 'move') {
      const to = shownValue(this.destination, this.destinationType);
      if (to) {
        text += ' \u2192 ' + to;
      }
    }
    return text;
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels: function () {
    return this.operation === 'put' ? 'msg.payload' : '';
  },
  outputLabels: function () {
    return this._('filebridge-remote.outputLabel.' + (this.operation || 'list'));
  },
  oneditprepare: function () {
    const node = this;
    // Flows written by hand or by older versions may lack a setting: show what the runtime then does.
    (
      [
        ['createFolders', true],
        ['atomic', true],
        ['verifySize', true],
      ] as const
    ).forEach(function (pair) {
      if (node[pair[0]] === undefined) {
        $('#node-input-' + pair[0]).prop('checked', pair[1]);
      }
    });
    [
      ['operation', 'list'],
      ['output', 'auto'],
      ['conflict', 'fail'],
    ].forEach(function (pair) {
      const select = $('#node-input-' + pair[0]);
      if (!select.val()) {
        select.val(pair[1]);
      }
    });
    $('#node-input-path').typedInput({
      default: 'str',
      typeField: $('#node-input-pathType'),
      types: PATH_TYPES,
    });
    $('#node-input-destination').typedInput({
      default: 'str',
      typeField: $('#node-input-destinationType'),
      types: PATH_TYPES,
    });

    function refresh(): void {
      const operation = $('#node-input-operation').val() || 'list';
      $('.filebridge-remote-op').each(function () {
        const ops = String($(this).attr('data-ops') || '').split(' ');
        $(this).toggle(ops.indexOf(String(operation)) !== -1);
      });
      $('.filebridge-remote-op-tip').each(function () {
        $(this).toggle($(this).attr('data-op') === operation);
      });
      if (operation === 'list') {
        $('.filebridge-remote-depth').toggle($('#node-input-recursive').is(':checked'));
      }
      if (operation === 'get') {
        $('.filebridge-remote-buffer').toggle($('#node-input-output').val() !== 'stream');
      }
      RED.tray.resize();
    }
    // A File 360 server: its folders can be picked by name into the path (a fixed path only).
    function applyServer(): void {
      $('.filebridge-remote-file360').toggle(isFile360Server($('#node-input-server').val()));
    }
    $('#node-input-server').on('change', applyServer);
    applyServer();
    $('#node-input-path-browse').on('click', function () {
      const path = $('#node-input-path');
      const typed = path.typedInput('type') === 'str' ? String(path.typedInput('value') || '') : '';
      browseFile360Folders($(this).closest('.form-row'), String($('#node-input-server').val() || ''), typed, function (chosen) {
        path.typedInput('type', 'str');
        path.typedInput('value', chosen);
      });
    });
    $('#node-input-operation').on('change', refresh);
    $('#node-input-recursive').on('change', refresh);
    $('#node-input-output').on('change', refresh);
    refresh();
  },
  oneditsave: function () {
    // An unused empty destination must not be evaluated as a message property at run time.
    if ($('#node-input-destination').typedInput('value') === '') {
      $('#node-input-destination').typedInput('type', 'str');
    }
  },
});
