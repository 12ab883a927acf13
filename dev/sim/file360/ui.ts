/**
 * The read-only web page at `/`: the account, its folders as a tree with documents (size, sha256
 * prefix, id) and collaborators, groups, the fault knobs and the request counts. Plain HTML and CSS,
 * no script, no external assets; every name is escaped (names come from flows and partners).
 */
import { escapeHtml as esc, formatSize as size, knobRows, refreshSeconds, requestRows } from '../shared/html';
import type { File360Faults } from './faults';
import type { File360SimState, File360SimStats } from './server';

/** Rows shown (the rest is counted). */
const LIMIT = 500;

export function renderPage(base: string, state: File360SimState, stats: File360SimStats, faults: File360Faults, url: URL): string {
  const refresh = refreshSeconds(url);
  type Row = { path: string; folder: boolean; html: string };
  const rows: Row[] = [
    ...state.folders.map((f) => ({
      path: f.path,
      folder: true,
      html: `<td>&#128193; ${esc(f.path === '/' ? 'Files (root)' : f.name)}</td><td></td><td></td><td><code>${esc(f.id)}</code></td><td>${f.collaborators
        .map((c) => `${esc(c.name)} <small>(${esc(c.type)}, ${esc(c.role)})</small>`)
        .join('<br>')}</td>`,
    })),
    ...state.documents.map((d) => ({
      path: d.path,
      folder: false,
      html: `<td>${esc(d.name)}</td><td>${esc(size(d.size))}</td><td><code title="${esc(d.sha256)}">${esc(d.sha256.slice(0, 12))}</code></td><td><code>${esc(d.id)}</code></td><td></td>`,
    })),
  ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const table = rows
    .slice(0, LIMIT)
    .map((r) => {
      const depth = r.path === '/' ? 0 : r.path.split('/').length - 1;
      return `<tr style="--d:${depth}">${r.html.replace('<td>', `<td style="padding-left:${0.4 + depth * 1.2}rem">`)}</tr>`;
    })
    .join('');
  const more = rows.length > LIMIT ? `<p>${rows.length - LIMIT} more rows not shown (see /_sim/state).</p>` : '';
  const groups = state.groups.map((g) => `<tr><td>${esc(g.name)}</td><td><code>${esc(g.id)}</code></td><td>${esc(g.members.join(', '))}</td></tr>`).join('');
  const routes = requestRows(stats.byRoute);
  const knobs = knobRows(faults);
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>File 360 simulator</title>
${refresh > 0 ? `<meta http-equiv="refresh" content="${refresh}">` : ''}
<style>body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1b1b1b}table{border-collapse:collapse;margin-bottom:1rem}
td,th{border-bottom:1px solid #ddd;padding:.2rem .6rem;text-align:left;font-size:.9rem;vertical-align:top}.cols{display:flex;gap:2rem;flex-wrap:wrap}</style></head><body>
<h1>File 360 simulator</h1>
<p>Account <b>${esc(state.account.displayName)}</b> (${esc(state.account.email)}, user ${esc(state.account.id)}, root folder ${esc(state.account.rootId)}).
API base <code>${esc(base)}/api/v1/</code>, token endpoint <code>${esc(base)}/otdsws/oauth2/token</code>.
Read only; reloads every ${refresh} s (<code>?refresh=0</code> pauses).</p>
<h2>Folders and documents</h2>
<table><tr><th>name</th><th>size</th><th>sha256</th><th>id</th><th>shared with</th></tr>${table}</table>${more}
<p>${state.trash.length} item(s) in the trash.</p>
<h2>Groups</h2><table><tr><th>name</th><th>id</th><th>members</th></tr>${groups}</table>
<div class="cols"><div><h2>Requests (${stats.requests})</h2><table>${routes || '<tr><td>none yet</td></tr>'}</table>
<p>tokens issued ${stats.tokensIssued}, 401s ${stats.unauthorized}, uploads ${stats.uploads}, downloads ${stats.downloads},
injected errors ${stats.injectedErrors}, rate limited ${stats.rateLimited}, dropped uploads ${stats.droppedUploads}</p></div>
<div><h2>Fault knobs</h2><table>${knobs}</table></div></div>
</body></html>`;
}
