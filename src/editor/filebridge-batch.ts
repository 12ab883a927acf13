/** Editor of filebridge-batch: which messages belong together, what is kept of each, when a batch is complete. */
import { defineEditor } from './components/register';
import { range } from './components/validators';
import { fillContextStoreSelect } from './components/context-store-select';

const NS = 'node-red-contrib-ecm-filebridge/filebridge-batch:';
const RANGE = NS + 'filebridge-batch.errors.range';

type Num = number | string;

interface BatchProps {
  name: string;
  key: string;
  keyType: string;
  property: string;
  quietSeconds: Num;
  maxItems: Num;
  store: string;
}

defineEditor<BatchProps>('filebridge-batch', {
  defaults: {
    name: { value: '' },
    key: { value: 'topic' },
    keyType: { value: 'msg' },
    property: { value: 'payload', required: true },
    quietSeconds: { value: 10, validate: range(0.1, 86400, RANGE) },
    maxItems: { value: 1000, validate: range(1, 100000, RANGE) },
    store: { value: '' },
  },
  paletteLabel: function () {
    return this._('filebridge-batch.paletteLabel');
  },
  label: function () {
    return this.name || 'batch';
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels: function () {
    return this._('filebridge-batch.inputLabel');
  },
  outputLabels: function () {
    return this._('filebridge-batch.outputLabel');
  },
  oneditprepare: function () {
    const node = this;
    $('#node-input-key').typedInput({ default: 'msg', typeField: $('#node-input-keyType'), types: ['msg', 'jsonata'] });
    $('#node-input-property').typedInput({ default: 'msg', types: ['msg'] });
    fillContextStoreSelect(
      $('#node-input-store'),
      node.store,
      (store) => node._('filebridge-batch.store.default', { store }),
      (store) => node._('filebridge-batch.store.missing', { store }),
    );
  },
});
