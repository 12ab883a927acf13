/**
 * Fills a dialog's context store select: first the runtime's default store (value ''), then each
 * store settings.js defines, and a store the node names that the runtime lacks, kept and marked
 * rather than silently dropped when the dialog is saved.
 */
export function fillContextStoreSelect(
  select: JQuery,
  current: string | undefined,
  defaultLabel: (store: string) => string,
  missingLabel: (store: string) => string,
): void {
  const context = RED.settings.context;
  const stores = (context && context.stores) || ['memory'];
  const defaultStore = (context && context.default) || stores[0];
  $('<option>').val('').text(defaultLabel(defaultStore)).appendTo(select);
  stores.forEach(function (s) {
    $('<option>').val(s).text(s).appendTo(select);
  });
  if (current && stores.indexOf(current) === -1) {
    $('<option>').val(current).text(missingLabel(current)).appendTo(select);
  }
  select.val(current || '');
}
