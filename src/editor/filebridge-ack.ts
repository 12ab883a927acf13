/** Editor of filebridge-ack: what happens to the claimed source file once the flow is done with it. */
import { defineEditor } from './components/register';

const NS = 'node-red-contrib-ecm-filebridge/filebridge-ack:';
const TOKENS = ['yyyy', 'MM', 'dd', 'HH', 'mm', 'ss', 'SSS', 'name', 'base', 'ext', 'relativePath', 'relativeDir', 'correlationId'];

interface AckProps {
  name: string;
  action: string;
  archiveTemplate: string;
}

defineEditor<AckProps>('filebridge-ack', {
  defaults: {
    name: { value: '' },
    action: { value: 'archive' },
    archiveTemplate: {
      value: '',
      validate: function (v, opt) {
        const bad = String(v || '').match(/\{([A-Za-z]+)\}/g) || [];
        const unknown = bad.filter(function (t) {
          return TOKENS.indexOf(t.slice(1, -1)) === -1;
        });
        if (unknown.length === 0) {
          return true;
        }
        return opt ? RED._(NS + 'filebridge-ack.errors.template') + ': ' + unknown.join(' ') : false;
      },
    },
  },
  paletteLabel: function () {
    return this._('filebridge-ack.paletteLabel');
  },
  label: function () {
    return this.name || 'ack: ' + (this.action || 'archive');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function () {
    return this._('filebridge-ack.outputLabel');
  },
  oneditprepare: function () {
    function refresh(): void {
      const action = $('#node-input-action').val() || 'archive';
      $('.filebridge-ack-archive').toggle(action === 'archive');
      $('.filebridge-ack-leave').toggle(action === 'leave');
    }
    if (!$('#node-input-action').val()) {
      $('#node-input-action').val('archive');
    }
    $('#node-input-action').on('change', refresh);
    refresh();
  },
});
