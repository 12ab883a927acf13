/** Editor of filebridge-map-metadata: the "target field <- source" rules, a lookup table and a preview. */
import { TARGET_FIELDS } from '../core/mapping/target-fields';
import { defineEditor } from './components/register';

const KINDS = ['constant', 'field', 'pattern', 'path', 'msg', 'jsonata', 'date', 'template', 'lookup'];
const TYPES = ['auto', 'string', 'number', 'boolean', 'date', 'list'];
const NS = 'node-red-contrib-ecm-filebridge/filebridge-map-metadata:';

/** One row of the rules table, as the node keeps it. */
interface Rule {
  field: string;
  kind: string;
  value: string;
  option: string;
  type: string;
  required: boolean;
  default: string;
}

interface MapProps {
  name: string;
  namePattern: string;
  rules: Rule[];
  tableFrom: string;
  server: string;
  tableValue: string;
  tableKey: string;
  tableFormat: string;
  timeZone: string;
}

/** While the dialog is open: reads the rules out of the list (oneditsave keeps them). */
interface MapInstance extends MapProps {
  _collectRules?: () => Rule[];
}

/** The answer of the preview endpoint. */
interface PreviewAnswer {
  ok: boolean;
  target?: Record<string, unknown>;
  fields?: Record<string, unknown>;
  error?: { code: string; message: string };
}

function validRules(rules: unknown, opt?: object): boolean | string {
  if (!Array.isArray(rules)) {
    return opt ? RED._(NS + 'filebridge-map-metadata.errors.rules') : false;
  }
  const list: unknown[] = rules;
  for (let i = 0; i < list.length; i++) {
    // A null row throws here, and Node-RED reports the validation as failed.
    const rule = list[i] as Partial<Record<keyof Rule, unknown>>;
    const top = String(rule.field || '')
      .split(/[.[]/)[0]
      .trim();
    if ((TARGET_FIELDS as readonly string[]).indexOf(top) < 0) {
      return opt ? RED._(NS + 'filebridge-map-metadata.errors.field', { row: i + 1, field: top }) : false;
    }
    if (typeof rule.kind !== 'string' || KINDS.indexOf(rule.kind) < 0) {
      return opt ? RED._(NS + 'filebridge-map-metadata.errors.kind', { row: i + 1 }) : false;
    }
  }
  return true;
}

defineEditor<MapProps, undefined, MapInstance>('filebridge-map-metadata', {
  defaults: {
    name: { value: '' },
    namePattern: { value: '' },
    rules: { value: [{ field: 'name', kind: 'template', value: '{name}', option: '', type: 'auto', required: true, default: '' }], validate: validRules },
    tableFrom: { value: 'none' },
    server: { value: '', type: 'filebridge-server', required: false },
    tableValue: { value: '' },
    tableKey: { value: '' },
    tableFormat: { value: 'auto' },
    timeZone: { value: '' },
  },
  paletteLabel: function () {
    return this._('filebridge-map-metadata.paletteLabel');
  },
  label: function () {
    const count = Array.isArray(this.rules) ? this.rules.length : 0;
    return this.name || 'map metadata (' + count + ')';
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  oneditprepare: function () {
    const node = this;
    const list = $('#node-input-rules-container');

    function placeholders(row: JQuery): void {
      const kind = String(row.find('.rule-kind').val());
      row.find('.rule-value').attr('placeholder', node._('filebridge-map-metadata.valueHint.' + kind));
      const option = row.find('.rule-option');
      const hint = node._('filebridge-map-metadata.optionHint.' + kind);
      option.attr('placeholder', hint).toggle(kind === 'pattern' || kind === 'date' || kind === 'lookup' || kind === 'path');
    }

    list.css({ 'min-height': '220px', 'min-width': '520px' }).editableList<Partial<Rule> | undefined>({
      addItem: function (container, index, rule) {
        rule = rule || {};
        const row = $('<div>').addClass('filebridge-map-rule').appendTo(container);
        const line1 = $('<div>').addClass('filebridge-map-line').appendTo(row);
        $('<input type="text" list="filebridge-map-fields" spellcheck="false">')
          .addClass('rule-field')
          .attr('placeholder', node._('filebridge-map-metadata.placeholder.field'))
          .val(rule.field || '')
          .appendTo(line1);
        $('<span>').addClass('filebridge-map-arrow').html('&larr;').appendTo(line1);
        const kind = $('<select>').addClass('rule-kind').appendTo(line1);
        KINDS.forEach(function (k) {
          $('<option>')
            .val(k)
            .text(node._('filebridge-map-metadata.kind.' + k))
            .appendTo(kind);
        });
        kind.val(rule.kind || 'constant');
        $('<input type="text" spellcheck="false">')
          .addClass('rule-value')
          .val(rule.value || '')
          .appendTo(line1);
        const line2 = $('<div>').addClass('filebridge-map-line').appendTo(row);
        $('<input type="text" spellcheck="false">')
          .addClass('rule-option')
          .val(rule.option || '')
          .appendTo(line2);
        const type = $('<select>').addClass('rule-type').attr('title', node._('filebridge-map-metadata.label.type')).appendTo(line2);
        TYPES.forEach(function (t) {
          $('<option>')
            .val(t)
            .text(node._('filebridge-map-metadata.type.' + t))
            .appendTo(type);
        });
        type.val(rule.type || 'auto');
        const req = $('<label>').css({ width: 'auto', margin: 0 }).appendTo(line2);
        $('<input type="checkbox">').addClass('rule-required').prop('checked', Boolean(rule.required)).appendTo(req);
        $('<span>').text(node._('filebridge-map-metadata.label.required')).appendTo(req);
        $('<input type="text" spellcheck="false">')
          .addClass('rule-default')
          .attr('placeholder', node._('filebridge-map-metadata.placeholder.default'))
          .val(rule.default || '')
          .appendTo(line2);
        kind.on('change', function () {
          placeholders(row);
        });
        placeholders(row);
      },
      sortable: true,
      removable: true,
      header: $('<div>').css('padding-left', '32px').text(node._('filebridge-map-metadata.label.rulesHeader')),
    });
    (Array.isArray(node.rules) ? node.rules : []).forEach(function (rule) {
      list.editableList('addItem', rule);
    });

    function collectRules(): Rule[] {
      const rules: Rule[] = [];
      list.editableList('items').each(function () {
        const row = $(this);
        rules.push({
          field: String(row.find('.rule-field').val()).trim(),
          kind: String(row.find('.rule-kind').val()),
          value: String(row.find('.rule-value').val()),
          option: String(row.find('.rule-option').val()).trim(),
          type: String(row.find('.rule-type').val()),
          required: row.find('.rule-required').prop('checked') as boolean,
          default: String(row.find('.rule-default').val()),
        });
      });
      return rules;
    }
    node._collectRules = collectRules;

    function showTable(): void {
      const from = $('#node-input-tableFrom').val();
      $('.filebridge-map-table').toggle(from !== 'none');
      $('.filebridge-map-remote').toggle(from === 'remote');
      $('#filebridge-map-table-value-label').text(node._('filebridge-map-metadata.tableValue.' + from));
      $('#filebridge-map-table-tip').html(node._('filebridge-map-metadata.tip.table-' + from));
      $('#node-input-tableValue').attr('rows', from === 'inline' ? 6 : 1);
    }
    $('#node-input-tableFrom').on('change', showTable);
    showTable();

    const result = $('#filebridge-map-preview-result');
    $('#filebridge-map-preview-button').on('click', function () {
      const body = {
        id: node.id,
        rules: collectRules(),
        namePattern: $('#node-input-namePattern').val(),
        timeZone: $('#node-input-timeZone').val(),
        tableFrom: $('#node-input-tableFrom').val(),
        tableValue: $('#node-input-tableValue').val(),
        tableKey: $('#node-input-tableKey').val(),
        tableFormat: $('#node-input-tableFormat').val(),
        server: $('#node-input-server').val(),
        sample: $('#filebridge-map-sample').val(),
        fields: $('#filebridge-map-sample-fields').val(),
      };
      result.text(node._('filebridge-map-metadata.preview.running')).removeClass('filebridge-map-fail').show();
      $.ajax({ url: 'filebridge/map-metadata/preview', type: 'POST', contentType: 'application/json', data: JSON.stringify(body) })
        .done(function (answer: PreviewAnswer) {
          let text: string;
          if (answer.ok) {
            text = 'msg.filebridge.target = ' + JSON.stringify(answer.target, null, 2);
          } else {
            text = answer.error ? answer.error.code + ': ' + answer.error.message : '?';
            if (answer.target && Object.keys(answer.target).length > 0) {
              text += '\n\n' + node._('filebridge-map-metadata.preview.partial') + '\n' + JSON.stringify(answer.target, null, 2);
            }
          }
          if (answer.fields && Object.keys(answer.fields).length > 0) {
            text += '\n\nmsg.filebridge.fields = ' + JSON.stringify(answer.fields, null, 2);
          }
          result.text(text).toggleClass('filebridge-map-fail', !answer.ok);
          RED.tray.resize();
        })
        .fail(function (xhr: JQuery.jqXHR) {
          result.text(node._('filebridge-map-metadata.preview.failed', { status: xhr.status })).addClass('filebridge-map-fail');
        });
    });
  },
  oneditsave: function () {
    this.rules = this._collectRules ? this._collectRules() : this.rules;
    delete this._collectRules;
  },
  oneditcancel: function () {
    delete this._collectRules;
  },
  oneditresize: function (size) {
    const list = $('#node-input-rules-container');
    list.editableList('height', Math.max(220, Math.min(480, size.height - 420)));
  },
});
