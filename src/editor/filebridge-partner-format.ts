/** Editor of filebridge-partner-format: a named record format (CSV, JSON array, JSON lines) with its columns. */
import { defineEditor } from './components/register';
import { range } from './components/validators';
import type { Validator } from './types/node-red-editor';

const NS = 'node-red-contrib-ecm-filebridge/filebridge-partner-format:';
const RANGE = NS + 'filebridge-partner-format.errors.range';
const TYPES = ['string', 'number', 'integer', 'date', 'boolean'];

type Num = number | string;

/** One column of the partner's file, as the node keeps it. */
interface Column {
  field: string;
  header: string;
  type: string;
  format: string;
  required: boolean;
}

interface FormatProps {
  name: string;
  kind: string;
  delimiter: string;
  quote: string;
  quoting: string;
  header: boolean;
  encoding: string;
  bom: boolean;
  lineEnding: string;
  columns: Column[];
  decimalSeparator: string;
  unknownColumns: string;
  maxRecordBytes: Num;
}

interface FormatInstance extends FormatProps {
  _collectColumns?: () => Column[];
}

/** Every column names a field and a header, each once, and a known type. */
const validColumns: Validator<FormatProps> = function (v, opt) {
  const fail = opt ? RED._(NS + 'filebridge-partner-format.errors.columns') : false;
  if (!Array.isArray(v)) return fail;
  const fields: string[] = [];
  const headers: string[] = [];
  for (const row of v as Partial<Column>[]) {
    const field = String((row && row.field) || '').trim();
    const header = String((row && row.header) || '').trim();
    if (field === '' || header === '' || TYPES.indexOf(String(row.type)) < 0 || fields.indexOf(field) >= 0 || headers.indexOf(header) >= 0) return fail;
    fields.push(field);
    headers.push(header);
  }
  return true;
};

defineEditor<FormatProps, undefined, FormatInstance>('filebridge-partner-format', {
  defaults: {
    name: { value: '', required: true },
    kind: { value: 'csv', required: true },
    delimiter: { value: ',' },
    quote: { value: '"' },
    quoting: { value: 'needed' },
    header: { value: true },
    encoding: { value: 'utf8' },
    bom: { value: false },
    lineEnding: { value: 'crlf' },
    columns: { value: [], validate: validColumns },
    decimalSeparator: { value: '.' },
    unknownColumns: { value: 'drop' },
    maxRecordBytes: { value: 1048576, validate: range(64, 67108864, RANGE) },
  },
  paletteLabel: function () {
    return this._('filebridge-partner-format.paletteLabel');
  },
  label: function () {
    return this.name || (this.kind || 'csv').toUpperCase() + ' format';
  },
  oneditprepare: function () {
    const node = this;
    const list = $('#node-config-input-columns-container');
    list.css({ 'min-height': '150px', 'min-width': '480px' }).editableList<Partial<Column> | undefined>({
      header: $('<div>').append(
        $('<div>')
          .css({ display: 'flex', gap: '4px' })
          .append(
            $('<span>').css({ width: '24%' }).text(node._('filebridge-partner-format.column.field')),
            $('<span>').css({ width: '24%' }).text(node._('filebridge-partner-format.column.header')),
            $('<span>').css({ width: '18%' }).text(node._('filebridge-partner-format.column.type')),
            $('<span>').css({ width: '18%' }).text(node._('filebridge-partner-format.column.format')),
            $('<span>').css({ width: '12%' }).text(node._('filebridge-partner-format.column.required')),
          ),
      ),
      addItem: function (container, _index, column) {
        column = column || {};
        const row = $('<div>').addClass('filebridge-format-column').css({ display: 'flex', gap: '4px' }).appendTo(container);
        $('<input type="text" spellcheck="false">')
          .addClass('column-field')
          .css({ width: '24%' })
          .val(column.field || '')
          .appendTo(row);
        $('<input type="text" spellcheck="false">')
          .addClass('column-header')
          .css({ width: '24%' })
          .val(column.header || '')
          .appendTo(row);
        const type = $('<select>').addClass('column-type').css({ width: '18%' }).appendTo(row);
        TYPES.forEach(function (t) {
          $('<option>')
            .val(t)
            .text(node._('filebridge-partner-format.type.' + t))
            .appendTo(type);
        });
        type.val(column.type || 'string');
        $('<input type="text" spellcheck="false">')
          .addClass('column-format')
          .css({ width: '18%' })
          .attr('placeholder', node._('filebridge-partner-format.placeholder.format'))
          .val(column.format || '')
          .appendTo(row);
        $('<input type="checkbox">').addClass('column-required').css({ width: 'auto', margin: '8px' }).prop('checked', Boolean(column.required)).appendTo(row);
      },
      sortable: true,
      removable: true,
    });
    (Array.isArray(node.columns) ? node.columns : []).forEach(function (column) {
      list.editableList('addItem', column);
    });
    node._collectColumns = function (): Column[] {
      const columns: Column[] = [];
      list.editableList('items').each(function () {
        const row = $(this);
        const field = String(row.find('.column-field').val()).trim();
        const header = String(row.find('.column-header').val()).trim();
        if (field === '' && header === '') return;
        columns.push({
          field: field || header,
          header: header || field,
          type: String(row.find('.column-type').val()),
          format: String(row.find('.column-format').val()).trim(),
          required: Boolean(row.find('.column-required').prop('checked')),
        });
      });
      return columns;
    };
    function show(): void {
      $('.filebridge-format-csv').toggle($('#node-config-input-kind').val() === 'csv');
      RED.tray.resize();
    }
    $('#node-config-input-kind').on('change', show);
    show();
  },
  oneditsave: function () {
    this.columns = this._collectColumns ? this._collectColumns() : this.columns;
    delete this._collectColumns;
  },
  oneditcancel: function () {
    delete this._collectColumns;
  },
});
