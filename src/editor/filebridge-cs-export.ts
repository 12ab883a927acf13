/** Editor of filebridge-cs-export: the documents of a folder that changed, or one document by id. */
import { browseCsFolders } from './components/cs-picker';
import { defineEditor } from './components/register';
import { fillContextStoreSelect } from './components/context-store-select';

const NS = 'node-red-contrib-ecm-filebridge/filebridge-cs-export:';

interface ExportProps {
  name: string;
  connection: string;
  mode: string;
  folder: string;
  folderType: string;
  recursive: boolean;
  filterCategory: string;
  filterAttribute: string;
  filterValue: string;
  nameGlob: string;
  onlyChanged: boolean;
  store: string;
  version: string;
  bufferLimit: string;
  idleTimeout: string;
  deliveredWhen: string;
  onRefusal: string;
  includeCategories: boolean;
  checksums: boolean;
}

function nonNegative(v: unknown, opt?: object): boolean | string {
  const text = String(v === undefined || v === null ? '' : v).trim();
  if (text === '' || (!isNaN(Number(text)) && Number(text) >= 0)) {
    return true;
  }
  return opt ? RED._(NS + 'filebridge-cs-export.errors.number') : false;
}

function versionOk(v: unknown, opt?: object): boolean | string {
  const text = String(v === undefined || v === null ? '' : v).trim();
  if (text === '' || /^[1-9][0-9]*$/.test(text)) {
    return true;
  }
  return opt ? RED._(NS + 'filebridge-cs-export.errors.version') : false;
}

defineEditor<ExportProps>('filebridge-cs-export', {
  defaults: {
    name: { value: '' },
    connection: { value: '', type: 'filebridge-cs-connection', required: true },
    mode: { value: 'changes' },
    folder: { value: '' },
    folderType: { value: 'str' },
    recursive: { value: false },
    filterCategory: { value: '' },
    filterAttribute: { value: '' },
    filterValue: { value: '' },
    nameGlob: { value: '' },
    onlyChanged: { value: true },
    store: { value: '' },
    version: { value: '', validate: versionOk },
    bufferLimit: { value: '0', validate: nonNegative },
    idleTimeout: { value: '300', validate: nonNegative },
    deliveredWhen: { value: 'confirmed' },
    // New nodes skip a document the flow refuses for good; flows without the property keep stopping.
    onRefusal: { value: 'skip' },
    includeCategories: { value: false },
    checksums: { value: false },
  },
  inputLabels: function () {
    return this.mode === 'document' ? 'document id' : 'trigger';
  },
  outputLabels: ['documents', 'run report'],
  paletteLabel: function () {
    return this._('filebridge-cs-export.paletteLabel');
  },
  label: function () {
    if (this.name) {
      return this.name;
    }
    if (this.mode === 'document') {
      return 'cs export document';
    }
    return this.folder && (this.folderType || 'str') === 'str' ? 'cs export ' + this.folder : 'cs export';
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  oneditprepare: function () {
    const node = this;
    $('#node-input-folder').typedInput({
      default: 'str',
      typeField: $('#node-input-folderType'),
      types: ['str', 'num', 'msg', 'flow', 'global', 'env'],
    });
    $('#node-input-folder-browse').on('click', function () {
      const typed = $('#node-input-folder').typedInput('type') === 'str' ? $('#node-input-folder').typedInput('value') : '';
      browseCsFolders($(this).closest('.form-row'), $('#node-input-connection').val() as string | undefined, typed, function (path) {
        $('#node-input-folder').typedInput('type', 'str');
        $('#node-input-folder').typedInput('value', path);
      });
    });
    fillContextStoreSelect(
      $('#node-input-store'),
      node.store,
      (store) => node._('filebridge-cs-export.store.default', { store }),
      (store) => node._('filebridge-cs-export.store.missing', { store }),
    );
    $('#node-input-mode')
      .on('change', function () {
        const doc = $(this).val() === 'document';
        $('.filebridge-cs-export-changes').toggle(!doc);
        $('.filebridge-cs-export-document').toggle(doc);
      })
      .trigger('change');
  },
});
