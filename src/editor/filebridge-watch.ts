/** Editor of filebridge-watch: which files of a remote folder to pick up, when, and how. */
import { browseFile360Folders, isFile360Server } from './components/file360-picker';
import { defineEditor } from './components/register';
import type { Validator } from './types/node-red-editor';

const NS = 'node-red-contrib-ecm-filebridge/filebridge-watch:';

/** Numbers are numbers in a new node and text once edited in the dialog. */
type Num = number | string;

interface WatchProps {
  name: string;
  server: string;
  folder: string;
  intervalSeconds: Num;
  longpoll: boolean;
  recursive: boolean;
  maxDepth: Num;
  include: string;
  exclude: string;
  includeDotFiles: boolean;
  minSize: Num;
  maxSize: Num;
  stability: string;
  stableSeconds: Num;
  minAgeSeconds: Num;
  emptyMinAgeSeconds: Num;
  markerPattern: string;
  claimFolder: string;
  take: string;
  leaseSeconds: Num;
  order: string;
  maxPerPoll: Num;
  maxInFlight: Num;
  inFlightTimeoutSeconds: Num;
  maxAttempts: Num;
  failedFolder: string;
  output: string;
  maxBufferMB: Num;
  sha256: boolean;
  ledger: boolean;
  ledgerStore: string;
  ledgerDays: Num;
}

function optionalNumber(min?: number): Validator<WatchProps> {
  return function (v, opt) {
    if (v === '' || v === undefined || v === null) {
      return true;
    }
    if (RED.validators.number()(v) === true && Number(v) >= (min || 0)) {
      return true;
    }
    return opt ? RED._(NS + 'filebridge-watch.errors.number') : false;
  };
}

defineEditor<WatchProps>('filebridge-watch', {
  defaults: {
    name: { value: '' },
    server: { value: '', type: 'filebridge-server', required: true },
    folder: {
      value: '',
      required: true,
      validate: function (v, opt) {
        const text = String(v || '').trim();
        if (text !== '' && text.split(/[\\/]/).indexOf('..') === -1) {
          return true;
        }
        return opt ? RED._(NS + 'filebridge-watch.errors.folder') : false;
      },
    },
    intervalSeconds: { value: 10, validate: optionalNumber(0.1) },
    recursive: { value: false },
    maxDepth: { value: '', validate: optionalNumber(0) },
    include: { value: '' },
    exclude: { value: '' },
    includeDotFiles: { value: false },
    minSize: { value: '', validate: optionalNumber(0) },
    maxSize: { value: '', validate: optionalNumber(0) },
    stability: { value: 'stable' },
    stableSeconds: { value: 2, validate: optionalNumber(0) },
    minAgeSeconds: { value: 0, validate: optionalNumber(0) },
    emptyMinAgeSeconds: { value: 60, validate: optionalNumber(0) },
    markerPattern: { value: '{name}.done' },
    claimFolder: { value: '.filebridge/processing' },
    take: { value: 'move' },
    leaseSeconds: { value: 300, validate: optionalNumber(1) },
    order: { value: 'name' },
    maxPerPoll: { value: 100, validate: optionalNumber(1) },
    maxInFlight: { value: 10, validate: optionalNumber(1) },
    inFlightTimeoutSeconds: { value: 0, validate: optionalNumber(0) },
    maxAttempts: { value: 5, validate: optionalNumber(0) },
    failedFolder: { value: '.filebridge/failed' },
    output: { value: 'stream' },
    maxBufferMB: { value: 1, validate: optionalNumber(0) },
    sha256: { value: true },
    ledger: { value: true },
    ledgerStore: { value: '' },
    ledgerDays: { value: 30, validate: optionalNumber(0) },
    longpoll: { value: false },
  },
  paletteLabel: function () {
    return this._('filebridge-watch.paletteLabel');
  },
  label: function () {
    return this.name || 'watch ' + (this.folder || '');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function () {
    return this._('filebridge-watch.outputLabel');
  },
  oneditprepare: function () {
    const node = this;
    const stores = (RED.settings.context && RED.settings.context.stores) || ['default'];
    const select = $('#node-input-ledgerStore');
    select.append(
      $('<option>')
        .val('')
        .text(RED._(NS + 'filebridge-watch.placeholder.ledgerStore')),
    );
    stores.forEach(function (s) {
      if (s !== 'default') {
        select.append($('<option>').val(s).text(s));
      }
    });
    if (node.ledgerStore && stores.indexOf(node.ledgerStore) === -1) {
      // Kept, and marked, rather than silently dropped when the dialog is saved.
      select.append(
        $('<option>')
          .val(node.ledgerStore)
          .text(RED._(NS + 'filebridge-watch.placeholder.ledgerStoreMissing', { store: node.ledgerStore })),
      );
    }
    select.val(node.ledgerStore || '');
    function refresh(): void {
      const mode = $('#node-input-stability').val() || 'stable';
      $('.filebridge-watch-mode').each(function () {
        $(this).toggle(String($(this).data('modes')).split(' ').indexOf(String(mode)) !== -1);
      });
      $('.filebridge-watch-depth').toggle($('#node-input-recursive').is(':checked'));
      $('.filebridge-watch-buffer').toggle($('#node-input-output').val() !== 'stream');
      $('.filebridge-watch-ledger').toggle($('#node-input-ledger').is(':checked'));
      const inPlace = $('#node-input-take').val() === 'inPlace';
      $('.filebridge-watch-claim').toggle(!inPlace);
      $('.filebridge-watch-inplace').toggle(inPlace);
    }
    $('#node-input-stability, #node-input-recursive, #node-input-output, #node-input-ledger, #node-input-take').on('change', refresh);
    /*
     * A File 360 server cannot rename, so its watch leaves documents in place: picking one switches
     * "Take files" to "leave in place" (with the ledger it needs) and says why; the folder gets a picker.
     */
    function applyServer(): void {
      const file360 = isFile360Server($('#node-input-server').val());
      $('.filebridge-watch-file360').toggle(file360);
      $('#node-input-take option[value="move"]').prop('disabled', file360);
      if (file360 && $('#node-input-take').val() !== 'inPlace') {
        $('#node-input-take').val('inPlace');
        $('#node-input-ledger').prop('checked', true);
        $('#node-input-take, #node-input-ledger').trigger('change');
      }
    }
    $('#node-input-server').on('change', applyServer);
    $('#node-input-folder-browse').on('click', function () {
      browseFile360Folders(
        $(this).closest('.form-row'),
        String($('#node-input-server').val() || ''),
        String($('#node-input-folder').val() || ''),
        function (path) {
          $('#node-input-folder').val(path).trigger('change');
        },
      );
    });
    refresh();
    applyServer();
  },
});
