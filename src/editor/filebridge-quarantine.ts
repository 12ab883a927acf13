/** Editor of filebridge-quarantine: the folder a rejected file is moved to, and whether a passing failure sends it again instead. */
import { defineEditor } from './components/register';

interface QuarantineProps {
  name: string;
  folder: string;
  retryTransient: boolean;
}

defineEditor<QuarantineProps>('filebridge-quarantine', {
  defaults: {
    name: { value: '' },
    folder: {
      value: '',
      // One parameter, as before: an invalid folder is marked without a reason.
      validate: function (v) {
        return (
          String(v || '')
            .split(/[\\/]/)
            .indexOf('..') === -1
        );
      },
    },
    // On for new nodes, and read as on when a flow lacks it (runtime side too).
    retryTransient: { value: true },
  },
  paletteLabel: function () {
    return this._('filebridge-quarantine.paletteLabel');
  },
  label: function () {
    return this.name || 'quarantine' + (this.folder ? ' ' + this.folder : '');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function () {
    return this._('filebridge-quarantine.outputLabel');
  },
});
