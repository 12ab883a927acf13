/**
 * The Content Server pickers of the cs upload and cs export dialogs: browse folders and pick a
 * category through the deployed connection (admin endpoints of filebridge-cs-connection). Their
 * texts are in the connection's catalog (`filebridge-cs-connection.picker.*`).
 */
import { browseFolders, openPicker, pickerRow, PickerOptions, PickerText } from './folder-picker';

type CsPickerText = PickerText | 'categoriesOf' | 'required' | 'noCategories';

function t(key: CsPickerText): string {
  return RED._('node-red-contrib-ecm-filebridge/filebridge-cs-connection:filebridge-cs-connection.picker.' + key);
}

function options(connectionId: string | undefined): PickerOptions<CsPickerText> {
  return { kind: 'cs', connectionId, text: t };
}

/** A Content Server location the endpoints understand: `Enterprise:A/B`, an id, or `123:A/B`. */
function csLocation(text: string | undefined): string | undefined {
  return text && /^(enterprise|\d+)(:|$)/i.test(text.trim()) ? text.trim() : undefined;
}

/** Browse folders from `start`; "Select" calls onSelect with the folder's path (`Enterprise:A/B`). */
export function browseCsFolders(after: JQuery, connectionId: string | undefined, start: string | undefined, onSelect: (path: string) => void): void {
  // A path typed in the field is a good start; anything else (msg., empty) starts at the Enterprise workspace.
  browseFolders(after, options(connectionId), (folder) => ({ url: 'filebridge/cs/browse', body: { id: connectionId, folder } }), csLocation(start), onSelect);
}

export interface CsCategory {
  name: string;
  attributes: { name: string; type: string; required?: boolean; validValues?: string[] }[];
}

/** Lists the categories `node` offers; picking one calls onPick with its name and attribute names. */
export function pickCsCategory(after: JQuery, connectionId: string | undefined, node: string | undefined, onPick: (category: CsCategory) => void): void {
  const picker = openPicker(after, options(connectionId));
  if (!picker) return;
  const where = csLocation(node);
  picker.head().text(t('categoriesOf') + ' ' + (where || 'Enterprise'));
  picker.ask<{ categories: CsCategory[] }>('filebridge/cs/categories', { id: connectionId, node: where }, (res) => {
    const list = picker.list().empty();
    res.categories.forEach((c) => {
      const r = pickerRow('fa-list-alt', c.name, () => {
        onPick(c);
        picker.panel.remove();
      });
      const attrs = c.attributes.map(
        (a) => a.name + ' (' + a.type + (a.required ? ', ' + t('required') : '') + (a.validValues ? ': ' + a.validValues.join(' | ') : '') + ')',
      );
      $('<div>').css({ 'margin-left': '22px', 'font-size': '0.9em', opacity: 0.8 }).text(attrs.join(', ')).appendTo(r);
      list.append(r);
    });
    if (res.categories.length === 0) list.append($('<div>').text(t('noCategories')));
  });
}
