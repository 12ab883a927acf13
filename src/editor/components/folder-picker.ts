/**
 * A picker panel opened under a dialog row: it asks the deployed config node (by id) through one of
 * this package's admin endpoints, lists what comes back, and hands the choice to the dialog. The
 * Content Server folder and category pickers are built on it; a picker for another system (Dropbox,
 * File 360) gives its own kind, texts and endpoint.
 */

/** The texts every picker shows; each picker takes them from its own message catalog. */
export type PickerText = 'loading' | 'failed' | 'cancel' | 'select' | 'up' | 'empty' | 'truncated' | 'noConnection';

export interface PickerOptions<K extends string> {
  /** Names the panel's classes: `filebridge-<kind>-picker`, `-head`, `-list`, `-foot`. */
  kind: string;
  /** The config node the admin endpoint acts through; `_ADD_` or empty when none is selected. */
  connectionId: string | undefined;
  text: (key: PickerText | K) => string;
}

/** A `{ ok: false }` answer of an admin endpoint. */
interface Refusal {
  ok?: false;
  error?: { code: string; message: string };
}

export interface Picker<K extends string> {
  panel: JQuery;
  options: PickerOptions<K>;
  /** The part above the list (where the list is, how to go up). */
  head(): JQuery;
  list(): JQuery;
  showError(text: string): void;
  /** POSTs `body` to `url`; an `{ ok: true }` answer goes to `ok`, anything else shows as an error. */
  ask<T>(url: string, body: object, ok: (answer: T) => void): void;
}

/**
 * Opens the panel below `after` (closing any other picker). Without a selected config node it
 * says so and returns null.
 */
export function openPicker<K extends string>(after: JQuery, options: PickerOptions<K>): Picker<K> | null {
  const { kind, connectionId, text } = options;
  const cls = `filebridge-${kind}-picker`;
  $('.filebridge-picker').remove();
  const panel = $(`<div class="form-row filebridge-picker ${cls}">`).css({
    border: '1px solid var(--red-ui-secondary-border-color, #ccc)',
    padding: '6px',
    'margin-left': '110px',
  });
  $(`<div class="${cls}-head">`).css('margin-bottom', '4px').appendTo(panel);
  $(`<div class="${cls}-list">`).css({ 'max-height': '220px', overflow: 'auto' }).appendTo(panel);
  const foot = $(`<div class="${cls}-foot">`).css('margin-top', '6px').appendTo(panel);
  $('<button type="button" class="red-ui-button red-ui-button-small">')
    .text(text('cancel'))
    .on('click', () => {
      panel.remove();
    })
    .appendTo(foot);
  panel.insertAfter(after);
  const picker: Picker<K> = {
    panel,
    options,
    head: () => panel.find(`.${cls}-head`),
    list: () => panel.find(`.${cls}-list`),
    showError(message) {
      picker.list().empty().append($('<div>').css('color', 'var(--red-ui-text-color-error, #c00)').text(message));
    },
    ask<T>(url: string, body: object, ok: (answer: T) => void) {
      picker
        .list()
        .empty()
        .append($('<div>').text(text('loading')));
      $.ajax({ url, type: 'POST', contentType: 'application/json', data: JSON.stringify(body) })
        .done((res: (T & { ok: true }) | Refusal | null) => {
          if (res && res.ok) ok(res);
          else picker.showError(res && res.error ? res.error.code + ': ' + res.error.message : text('failed'));
        })
        .fail((xhr: JQuery.jqXHR) => {
          picker.showError(text('failed') + ' (' + xhr.status + ')');
        });
    },
  };
  if (!connectionId || connectionId === '_ADD_') {
    picker.showError(text('noConnection'));
    return null;
  }
  return picker;
}

/** One entry of a picker's list; clickable when `onClick` is given. */
export function pickerRow(icon: string, text: string, onClick?: () => void): JQuery {
  const r = $('<div>').css({ padding: '2px 4px', cursor: onClick ? 'pointer' : 'default' });
  $('<i class="fa fa-fw">').addClass(icon).appendTo(r);
  $('<span>')
    .text(' ' + text)
    .appendTo(r);
  if (onClick)
    r.on('click', onClick).hover(
      () => {
        r.css('background', 'var(--red-ui-list-item-background-hover, #eee)');
      },
      () => {
        r.css('background', '');
      },
    );
  return r;
}

/** A folder as a browse endpoint answers: itself, its parent (none at a root) and its children. */
export interface FolderListing {
  folder: { id: number | string; path: string };
  parent?: { id: number | string };
  children: { id: number | string; name: string; container: boolean }[];
  truncated?: boolean;
}

/**
 * Browses folders from `start` (undefined: the endpoint's root) by POSTing `request(folder)`'s body
 * to its url; "Select" calls onSelect with the shown folder's path.
 */
export function browseFolders<K extends string>(
  after: JQuery,
  options: PickerOptions<K>,
  request: (folder: number | string | undefined) => { url: string; body: object },
  start: string | undefined,
  onSelect: (path: string) => void,
): void {
  const picker = openPicker(after, options);
  if (!picker) return;
  const { text } = options;
  let current: FolderListing['folder'] | null = null;
  const select = $('<button type="button" class="red-ui-button red-ui-button-small">')
    .css('margin-left', '6px')
    .text(text('select'))
    .prop('disabled', true)
    .on('click', () => {
      if (current) {
        onSelect(current.path);
        picker.panel.remove();
      }
    });
  picker.panel.find(`.filebridge-${options.kind}-picker-foot`).prepend(select);
  const show = (folder: number | string | undefined): void => {
    const { url, body } = request(folder);
    picker.ask<FolderListing>(url, body, (res) => {
      current = res.folder;
      select.prop('disabled', false);
      const head = picker.head().empty();
      if (res.parent) {
        const parent = res.parent;
        $('<a href="#">')
          .append($('<i class="fa fa-level-up">'))
          .append(' ' + text('up'))
          .on('click', (e) => {
            e.preventDefault();
            show(parent.id);
          })
          .appendTo(head);
        head.append(' ');
      }
      $('<code>').text(res.folder.path).appendTo(head);
      const list = picker.list().empty();
      res.children.forEach((c) => {
        list.append(
          c.container
            ? pickerRow('fa-folder-o', c.name, () => {
                show(c.id);
              })
            : pickerRow('fa-file-o', c.name).css('opacity', 0.6),
        );
      });
      if (res.children.length === 0) list.append($('<div>').text(text('empty')));
      if (res.truncated) list.append($('<div>').text(text('truncated')));
    });
  };
  show(start);
}
