/**
 * What the simulators' read-only web pages share: escaping (every name on them comes from flows and
 * partners), sizes, the `?refresh=` seconds, and the request-count and fault-knob tables.
 */

export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Sizes on the web pages read as the nodes' own status and progress texts do. */
export { formatBytes as formatSize } from '../../../src/core/progress';

/** Seconds between reloads from `?refresh=` (0 pauses; up to 4 digits); 5 when absent or not a number. */
export function refreshSeconds(url: URL): number {
  const refreshParam = url.searchParams.get('refresh');
  return refreshParam !== null && /^\d{1,4}$/.test(refreshParam) ? Number(refreshParam) : 5;
}

/** Table rows of the request counts by route, most first. */
export function requestRows(byRoute: Record<string, number>): string {
  return Object.entries(byRoute)
    .sort((a, b) => b[1] - a[1])
    .map(([r, n]) => `<tr><td>${escapeHtml(r)}</td><td>${n}</td></tr>`)
    .join('');
}

/** Table rows of the fault knobs and their values. */
export function knobRows(faults: object): string {
  return Object.entries(faults)
    .map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(JSON.stringify(v))}</td></tr>`)
    .join('');
}
