/** Editor of filebridge-cs-upload: where and how a file becomes a Content Server document. */
import { browseCsFolders, pickCsCategory } from './components/cs-picker';
import { defineEditor } from './components/register';
import type { TypedInputOptions, Validator } from './types/node-red-editor';

const NS = 'node-red-contrib-ecm-filebridge/filebridge-cs-upload:';

interface UploadProps {
  name: string;
  connection: string;
  folder: string;
  createFolders: boolean;
  collision: string;
  categories: string;
  classification: string;
  holds: string;
  permissions: string;
  workflow: string;
}

function jsonObject(errorKey: 'categories' | 'permissions'): Validator<UploadProps> {
  return function (v, opt) {
    const text = String(v || '').trim();
    if (text === '') {
      return true;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        return true;
      }
    } catch (e) {
      /* reported below */
    }
    return opt ? RED._(NS + 'filebridge-cs-upload.errors.' + errorKey) : false;
  };
}

function jsonOnly(): TypedInputOptions {
  return { type: 'json', types: ['json'] };
}

defineEditor<UploadProps>('filebridge-cs-upload', {
  defaults: {
    name: { value: '' },
    connection: { value: '', type: 'filebridge-cs-connection', required: true },
    folder: { value: '' },
    createFolders: { value: true },
    // Existing nodes keep the policy they saved; new ones skip identical content (a re-sent file adds nothing).
    collision: { value: 'skip-identical' },
    categories: { value: '', validate: jsonObject('categories') },
    classification: { value: '' },
    holds: { value: '' },
    permissions: { value: '', validate: jsonObject('permissions') },
    workflow: { value: '' },
  },
  paletteLabel: function () {
    return this._('filebridge-cs-upload.paletteLabel');
  },
  label: function () {
    return this.name || (this.folder ? 'cs upload ' + this.folder : 'cs upload');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  oneditprepare: function () {
    $('#node-input-categories').typedInput(jsonOnly());
    $('#node-input-permissions').typedInput(jsonOnly());
    const connection = function (): string | undefined {
      return $('#node-input-connection').val() as string | undefined;
    };
    $('#node-input-folder-browse').on('click', function () {
      browseCsFolders($(this).closest('.form-row'), connection(), $('#node-input-folder').val() as string | undefined, function (path) {
        $('#node-input-folder').val(path).trigger('change');
      });
    });
    $('#node-input-categories-pick').on('click', function () {
      pickCsCategory($(this).closest('.form-row'), connection(), $('#node-input-folder').val() as string | undefined, function (category) {
        // Adds the chosen category's skeleton to what is there, keeping values already typed.
        let current: unknown;
        try {
          current = JSON.parse($('#node-input-categories').typedInput('value') || '{}') || {};
        } catch (e) {
          current = {};
        }
        const skeleton: Record<string, Record<string, unknown>> = typeof current !== 'object' || current === null || Array.isArray(current)
          ? {}
          : (current as Record<string, Record<string, unknown>>);
        const values = skeleton[category.name] || {};
        category.attributes.forEach(function (a) {
          if (!(a.name in values)) values[a.name] = '';
        });
        skeleton[category.name] = values;
        $('#node-input-categories').typedInput('value', JSON.stringify(skeleton));
      });
    });
  },
});
