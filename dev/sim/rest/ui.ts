/**
 * The read-only web page at `/`: endpoints and credentials' names (never their values), record
 * counts, the latest products and availability records, media, backups, requests per route and per
 * auth mode, idempotency replays and duplicates, the fault knobs. Plain HTML and CSS, no script; every
 * value is escaped (records come from flows and partners' files).
 */
import { escapeHtml as esc, formatSize as size, knobRows, refreshSeconds, requestRows } from '../shared/html';
import type { RestFaults } from './faults';
import type { RestSimState, RestSimStats } from './server';

const cell = (v: unknown): string => `<td>${esc(typeof v === 'string' ? v : JSON.stringify(v ?? ''))}</td>`;

export function renderPage(base: string, state: RestSimState, stats: RestSimStats, faults: RestFaults, url: URL): string {
  const refresh = refreshSeconds(url);
  const rows = (items: Record<string, unknown>[], cols: string[]): string =>
    items.length === 0
      ? `<tr><td colspan="${cols.length}">none</td></tr>`
      : items
          .slice(0, 20)
          .map((r) => `<tr>${cols.map((c) => cell(r[c])).join('')}</tr>`)
          .join('');
  const head = (cols: string[]): string => `<tr>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>`;
  const pc = ['sku', 'name', 'price', 'currency', 'category', 'updatedAt'];
  const ac = ['sku', 'warehouse', 'quantity', 'availableFrom'];
  const media = state.media
    .slice(-20)
    .map(
      (m) =>
        `<tr><td>${esc(m.name)}</td><td>${esc(size(m.size))}</td><td><code title="${esc(m.sha256)}">${esc(m.sha256.slice(0, 12))}</code></td><td>${esc(m.contentType)}</td></tr>`,
    )
    .join('');
  const backups = state.backups
    .map(
      (b) =>
        `<tr><td><code>${esc(b.id)}</code></td><td>${esc(b.name)}</td><td>${esc(size(b.size))}</td><td><code title="${esc(b.sha256)}">${esc(b.sha256.slice(0, 12))}</code></td></tr>`,
    )
    .join('');
  const modes = Object.entries(stats.authModes)
    .map(([k, v]) => `<tr><td>${esc(k)}</td><td>${v}</td></tr>`)
    .join('');
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>REST simulator</title>
${refresh > 0 ? `<meta http-equiv="refresh" content="${refresh}">` : ''}
<style>body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1b1b1b}table{border-collapse:collapse;margin-bottom:1rem}
td,th{border-bottom:1px solid #ddd;padding:.2rem .6rem;text-align:left;font-size:.9rem;vertical-align:top}.cols{display:flex;gap:2rem;flex-wrap:wrap}</style></head><body>
<h1>REST simulator</h1>
<p>API base <code>${esc(base)}/api/v1</code>, token endpoint <code>${esc(base)}/oauth/token</code>, inspection <code>${esc(base)}/_sim/state</code>.
Read only; reloads every ${refresh} s (<code>?refresh=0</code> pauses).</p>
<p>${state.counts.products} products, ${state.counts.availability} availability records, ${state.counts.prices} prices, ${state.counts.inventoryChanges} inventory changes,
${state.counts.shipments} shipments, ${state.counts.partners} partners, ${state.counts.media} media, ${state.counts.backups} backups.
Records posted: ${stats.recordsPosted.products} products, ${stats.recordsPosted.availability} availability; idempotent replays ${stats.replays};
<b>duplicate posts ${stats.duplicatePosts}</b>; batches refused (422) ${stats.rejectedBatches}.</p>
<h2>Products (first 20 of ${state.products.total})</h2><table>${head(pc)}${rows(state.products.items, pc)}</table>
<h2>Availability (first 20 of ${state.availability.total})</h2><table>${head(ac)}${rows(state.availability.items, ac)}</table>
<div class="cols"><div><h2>Media</h2><table>${head(['name', 'size', 'sha256', 'type'])}${media || '<tr><td colspan="4">none</td></tr>'}</table></div>
<div><h2>Backups</h2><table>${head(['id', 'name', 'size', 'sha256'])}${backups}</table></div></div>
<div class="cols"><div><h2>Requests (${stats.requests})</h2><table>${requestRows(stats.byRoute) || '<tr><td>none yet</td></tr>'}</table>
<p>401s ${stats.unauthorized}, tokens issued ${stats.tokensIssued}, rate limited ${stats.rateLimited}, injected 503s ${stats.injectedErrors},
dropped ${stats.dropped}, cut downloads ${stats.cutDownloads}, uploads ${stats.uploads}, downloads ${stats.downloads}</p></div>
<div><h2>Auth modes</h2><table>${modes}</table></div>
<div><h2>Fault knobs</h2><table>${knobRows(faults)}</table></div></div>
</body></html>`;
}
