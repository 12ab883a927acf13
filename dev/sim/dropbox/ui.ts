/**
 * The read-only web page at `/`: what a person watching the sandbox wants to see without curl — the
 * account, both namespaces as trees (size, rev, content_hash prefix, id), the fault knobs and the
 * request counts. Plain HTML and CSS, no script, no external assets; every name is escaped (names
 * come from flows and partners).
 */
import { escapeHtml as esc, formatSize as size, knobRows, refreshSeconds, requestRows } from '../shared/html';
import type { SimCore } from './core';
import type { DropboxSimState, DropboxSimStats } from './server';

/** Entries listed per namespace (the rest is counted). */
const LIMIT = 500;

export function renderPage(core: SimCore, state: DropboxSimState, stats: DropboxSimStats, url: URL): string {
  const refresh = refreshSeconds(url);
  const spaces = state.namespaces
    .map((ns) => {
      const rows = ns.entries
        .slice(0, LIMIT)
        .map((e) => {
          const depth = e.path_display.split('/').length - 2;
          const name = e.path_display.slice(e.path_display.lastIndexOf('/') + 1);
          return `<tr><td style="padding-left:${0.4 + depth * 1.2}rem">${e['.tag'] === 'folder' ? '&#128193; ' : ''}${esc(name)}</td><td>${
            e.size !== undefined ? esc(size(e.size)) : ''
          }</td><td><code>${esc(e.rev ?? '')}</code></td><td><code>${esc((e.content_hash ?? '').slice(0, 12))}</code></td><td><code>${esc(e.id)}</code></td></tr>`;
        })
        .join('');
      const more = ns.entries.length > LIMIT ? `<p>${ns.entries.length - LIMIT} more entries not shown (see /_sim/state).</p>` : '';
      return `<h2>${esc(ns.name)} <small>namespace ${esc(ns.namespace_id)}${ns.kind === 'team_root' ? ' — use header Dropbox-API-Path-Root: {".tag": "root", "root": "' + esc(ns.namespace_id) + '"}' : ''}</small></h2>
<table><tr><th>name</th><th>size</th><th>rev</th><th>content_hash</th><th>id</th></tr>${rows || '<tr><td colspan="5">(empty)</td></tr>'}</table>${more}`;
    })
    .join('');
  const routes = requestRows(stats.byRoute);
  const faults = knobRows(core.faults());
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Dropbox simulator</title>
${refresh > 0 ? `<meta http-equiv="refresh" content="${refresh}">` : ''}
<style>body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1e1919}table{border-collapse:collapse;margin-bottom:1rem}
td,th{border-bottom:1px solid #ddd;padding:.2rem .6rem;text-align:left;font-size:.9rem}h2 small{font-weight:normal;font-size:.8rem;color:#666}
.cols{display:flex;gap:2rem;flex-wrap:wrap}</style></head><body>
<h1>Dropbox simulator</h1>
<p>Account <b>${esc(state.account.name)}</b> (${esc(state.account.email)}, ${esc(state.account.account_id)})${core.teamRoot ? `, team ${esc(core.account.teamName)}` : ''}.
API base <code>${esc(core.url())}/2/</code>, token endpoint <code>${esc(core.url())}/oauth2/token</code>, sign-in page <code>${esc(core.url())}/oauth2/authorize</code>.
Read only; reloads every ${refresh} s (<code>?refresh=0</code> pauses).</p>
${spaces}
<div class="cols"><div><h2>Requests (${stats.requests})</h2><table>${routes || '<tr><td>none yet</td></tr>'}</table>
<p>token refreshes ${stats.tokenRefreshes}, code exchanges ${stats.codeExchanges}, upload sessions open ${stats.uploadSessions}, batches ${stats.batches},
injected errors ${stats.injectedErrors}, rate limited ${stats.rateLimited}, write contention ${stats.writeContention}, dropped uploads ${stats.droppedUploads}</p></div>
<div><h2>Fault knobs</h2><table>${faults}</table></div></div>
</body></html>`;
}
