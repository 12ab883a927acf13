/** An editable list of `{ name, value }` rows (query parameters, headers), shared by the REST dialogs. */

export interface Pair {
  name: string;
  value: string;
}

/**
 * Fills `list` (an `<ol>`) with `pairs` and returns a function that reads the rows back (rows with
 * an empty name are dropped). The placeholders are catalog texts the caller resolved.
 */
export function pairsList(list: JQuery, pairs: unknown, namePlaceholder: string, valuePlaceholder: string): () => Pair[] {
  list.css({ 'min-height': '90px', 'min-width': '420px' }).editableList<Partial<Pair> | undefined>({
    addItem: function (container, _index, pair) {
      pair = pair || {};
      const row = $('<div>').addClass('filebridge-pair').appendTo(container);
      $('<input type="text" spellcheck="false">')
        .addClass('pair-name')
        .css({ width: '38%', marginRight: '2%' })
        .attr('placeholder', namePlaceholder)
        .val(pair.name || '')
        .appendTo(row);
      $('<input type="text" spellcheck="false">')
        .addClass('pair-value')
        .css({ width: '58%' })
        .attr('placeholder', valuePlaceholder)
        .val(pair.value || '')
        .appendTo(row);
    },
    sortable: true,
    removable: true,
  });
  (Array.isArray(pairs) ? (pairs as Partial<Pair>[]) : []).forEach(function (pair) {
    list.editableList('addItem', pair);
  });
  return function (): Pair[] {
    const out: Pair[] = [];
    list.editableList('items').each(function () {
      const row = $(this);
      const name = String(row.find('.pair-name').val()).trim();
      if (name === '') return;
      out.push({ name: name, value: String(row.find('.pair-value').val()) });
    });
    return out;
  };
}

/** A `{ name, value }[]` whose names are set and, when `unique`, not repeated (case-insensitive, as HTTP header names are). */
export function validPairs(v: unknown, unique: boolean): boolean {
  if (!Array.isArray(v)) return false;
  const seen: string[] = [];
  for (const row of v as Partial<Pair>[]) {
    const name = String((row && row.name) || '').trim();
    if (name === '' || (unique && seen.indexOf(name.toLowerCase()) >= 0)) return false;
    seen.push(name.toLowerCase());
  }
  return true;
}
