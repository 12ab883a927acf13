/** Editor of filebridge-validate: the rules a file must pass, each switched on by its checkbox. */
import { defineEditor } from './components/register';
import type { TypedInputOptions, TypedInputType, Validator } from './types/node-red-editor';

const NS = 'node-red-contrib-ecm-filebridge/filebridge-validate:';
const PROPERTY_TYPES: TypedInputType[] = ['msg', 'flow', 'global'];

interface ValidateProps {
  name: string;
  nameOn: boolean;
  namePattern: string;
  nameIgnoreCase: boolean;
  extOn: boolean;
  extensions: string;
  sizeOn: boolean;
  minSize: string;
  maxSize: string;
  nonEmptyOn: boolean;
  magicOn: boolean;
  checksumOn: boolean;
  checksumAlgorithm: string;
  checksumSource: string;
  sidecar: string;
  sidecarType: string;
  csvOn: boolean;
  csvExtensions: string;
  csvDelimiter: string;
  csvHeader: boolean;
  csvRequired: string;
  csvColumnCount: string;
  csvColumns: string;
  csvMaxRows: string;
  csvMaxRecordSize: string;
  jsonOn: boolean;
  jsonExtensions: string;
  jsonSchema: string;
  jsonMaxSize: string;
  xmlOn: boolean;
  xmlExtensions: string;
  manifestOn: boolean;
  manifestSource: string;
  manifestName: string;
  manifestProperty: string;
  manifestPropertyType: string;
  manifestFormat: string;
  manifestColumn: string;
  server: string;
  spoolDir: string;
}

/** The checkbox that switches a rule on. */
type RuleFlag = 'nameOn' | 'extOn' | 'sizeOn' | 'csvOn' | 'jsonOn';

function message(key: string): string {
  return RED._(NS + 'filebridge-validate.errors.' + key);
}

/** A check that applies only when its rule is ticked (editor fields of rules that are off are ignored). */
function whenOn(flag: RuleFlag, test: (text: string) => boolean, key: string): Validator<ValidateProps> {
  return function (v, opt) {
    const on = $('#node-input-' + flag).length ? $('#node-input-' + flag).is(':checked') : this[flag];
    if (!on || test(String(v === undefined || v === null ? '' : v))) {
      return true;
    }
    return opt ? message(key) : false;
  };
}
const SIZE = /^\s*(\d+(\.\d+)?\s*(b|k|kb|m|mb|g|gb)?)?\s*$/i;
function isSize(v: string): boolean {
  return SIZE.test(v);
}
function isCount(v: string): boolean {
  return /^\s*\d*\s*$/.test(v);
}
function isRegex(v: string): boolean {
  if (v.trim() === '') {
    return false;
  }
  try {
    new RegExp(v);
    return true;
  } catch (e) {
    return false;
  }
}
function isJsonObject(optional: boolean): (v: string) => boolean {
  return function (v) {
    if (v.trim() === '') {
      return optional;
    }
    try {
      const p: unknown = JSON.parse(v);
      return p !== null && typeof p === 'object' && !Array.isArray(p);
    } catch (e) {
      return false;
    }
  };
}

function jsonOnly(): TypedInputOptions {
  return { type: 'json', types: ['json'] };
}

defineEditor<ValidateProps>('filebridge-validate', {
  defaults: {
    name: { value: '' },
    nameOn: { value: false },
    namePattern: { value: '', validate: whenOn('nameOn', isRegex, 'namePattern') },
    nameIgnoreCase: { value: false },
    extOn: { value: false },
    extensions: {
      value: '',
      validate: whenOn(
        'extOn',
        function (v) {
          return v.trim() !== '';
        },
        'extensions',
      ),
    },
    sizeOn: { value: false },
    minSize: { value: '', validate: whenOn('sizeOn', isSize, 'size') },
    maxSize: { value: '', validate: whenOn('sizeOn', isSize, 'size') },
    nonEmptyOn: { value: true },
    magicOn: { value: true },
    checksumOn: { value: false },
    checksumAlgorithm: { value: 'auto' },
    checksumSource: { value: 'remote' },
    sidecar: { value: 'filebridge.sidecar' },
    sidecarType: { value: 'msg' },
    csvOn: { value: false },
    csvExtensions: { value: 'csv' },
    csvDelimiter: { value: ',' },
    csvHeader: { value: true },
    csvRequired: { value: '' },
    csvColumnCount: { value: '', validate: whenOn('csvOn', isCount, 'count') },
    csvColumns: { value: '', validate: whenOn('csvOn', isJsonObject(true), 'csvColumns') },
    csvMaxRows: { value: '10000', validate: whenOn('csvOn', isCount, 'count') },
    csvMaxRecordSize: { value: '1 MB', validate: whenOn('csvOn', isSize, 'size') },
    jsonOn: { value: false },
    jsonExtensions: { value: 'json' },
    jsonSchema: { value: '', validate: whenOn('jsonOn', isJsonObject(false), 'jsonSchema') },
    jsonMaxSize: { value: '10 MB', validate: whenOn('jsonOn', isSize, 'size') },
    xmlOn: { value: false },
    xmlExtensions: { value: 'xml' },
    manifestOn: { value: false },
    manifestSource: { value: 'self' },
    manifestName: { value: '' },
    manifestProperty: { value: 'filebridge.manifest' },
    manifestPropertyType: { value: 'msg' },
    manifestFormat: { value: 'auto' },
    manifestColumn: { value: '' },
    server: { value: '', type: 'filebridge-server', required: false },
    spoolDir: { value: '' },
  },
  paletteLabel: function () {
    return this._('filebridge-validate.paletteLabel');
  },
  label: function () {
    if (this.name) {
      return this.name;
    }
    const node = this;
    const on = (['name', 'ext', 'size', 'nonEmpty', 'magic', 'checksum', 'csv', 'json', 'xml', 'manifest'] as const).filter(function (r) {
      return node[`${r}On`];
    });
    return on.length ? 'validate (' + on.length + ' rule' + (on.length === 1 ? '' : 's') + ')' : 'validate';
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels: 'file',
  outputLabels: function (index) {
    return this._('filebridge-validate.outputLabel.' + (index === 0 ? 'valid' : 'invalid'));
  },
  oneditprepare: function () {
    $('#node-input-sidecar').typedInput({ default: 'msg', typeField: $('#node-input-sidecarType'), types: PROPERTY_TYPES });
    $('#node-input-manifestProperty').typedInput({ default: 'msg', typeField: $('#node-input-manifestPropertyType'), types: PROPERTY_TYPES });
    $('#node-input-csvColumns').typedInput(jsonOnly());
    $('#node-input-jsonSchema').typedInput(jsonOnly());
    [
      ['checksumAlgorithm', 'auto'],
      ['checksumSource', 'remote'],
      ['manifestSource', 'self'],
      ['manifestFormat', 'auto'],
    ].forEach(function (pair) {
      const select = $('#node-input-' + pair[0]);
      if (!select.val()) {
        select.val(pair[1]);
      }
    });

    function refresh(): void {
      $('[data-rule]').each(function () {
        $('[data-rule-body="' + $(this).attr('data-rule') + '"]').toggle($(this).is(':checked'));
      });
      $('.filebridge-validate-sidecar').toggle($('#node-input-checksumSource').val() === 'message');
      $('.filebridge-validate-manifest-remote').toggle($('#node-input-manifestSource').val() === 'remote');
      $('.filebridge-validate-manifest-message').toggle($('#node-input-manifestSource').val() === 'message');
      RED.tray.resize();
    }
    $('[data-rule], #node-input-checksumSource, #node-input-manifestSource').on('change', refresh);
    refresh();
  },
});
