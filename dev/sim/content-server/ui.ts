/**
 * The simulator's read-only web page: what a person watching the sandbox wants to see without curl
 * (folder tree, documents and versions, category values by name, records management, workspaces,
 * started workflows). Plain HTML and CSS, no external assets. Every name and value comes from flows
 * and clients, so everything is escaped.
 */
import { escapeHtml, formatSize as size } from '../shared/html';
import type { Extras, PermissionEntry, StartedProcess } from './extras';
import { defaultPermissions } from './permissions';
import type { ContentStore, SimNode, SimVersion } from './store';
import { TYPE_NAMES } from './store';

export const UI_BASE = '/__sim/ui';
/** Children shown per folder in the overview tree; the node page lists them all. */
const TREE_CHILDREN_LIMIT = 100;
const RECENT_LIMIT = 20;

export interface UiContext {
  store: ContentStore;
  extras: Extras;
  apiBase: string;
  /** Seconds between reloads; 0 turns auto-refresh off. */
  refreshSeconds: number;
}

const e = escapeHtml;

export function nodeUrl(id: number): string {
  return `${UI_BASE}/nodes/${id}`;
}

export function versionContentUrl(id: number, version: number): string {
  return `${UI_BASE}/nodes/${id}/versions/${version}/content`;
}

function shortSha(sha: string): string {
  return sha.slice(0, 12);
}

function typeName(n: SimNode): string {
  return TYPE_NAMES[n.type] ?? `type ${n.type}`;
}

function link(n: SimNode): string {
  return `<a href="${nodeUrl(n.id)}">${e(n.name)}</a>`;
}

function path(store: ContentStore, n: SimNode): string {
  return store
    .ancestors(n)
    .map((a) => a.name)
    .join(' / ');
}

function memberName(store: ContentStore, extras: Extras, id: number | null): string {
  if (id === null) return '';
  const user = store.users.find((u) => u.id === id);
  if (user) return user.name;
  const group = extras.groups.find((g) => g.id === id);
  return group ? group.name : `#${id}`;
}

/** Category values as `{ category: [[attribute, value]] }`, by name, in the definition's order. */
export function categoriesByName(store: ContentStore, n: SimNode): { category: string; values: [string, string][] }[] {
  return Object.entries(n.categories).map(([catId, values]) => {
    const cat = store.categories.get(Number(catId));
    if (!cat) return { category: `#${catId}`, values: Object.entries(values).map(([k, v]) => [k, show(v)] as [string, string]) };
    return { category: cat.name, values: cat.attributes.map((a) => [a.name, show(values[`${catId}_${a.id}`])] as [string, string]) };
  });
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v))
    return v
      .filter((x) => x !== null && x !== '')
      .map(String)
      .join(', ');
  return String(v);
}

function classificationNames(ctx: UiContext, n: SimNode): string[] {
  const list = ctx.extras.classifications.get(n.id) ?? [];
  return list.map((c) => {
    const cls = ctx.store.get(c.class_id);
    if (!cls) return `#${c.class_id}`;
    // Below the classification volume: "Finance / Invoices", as records managers name them.
    return ctx.store
      .ancestors(cls)
      .slice(1)
      .map((a) => a.name)
      .join(' / ');
  });
}

function holdNames(ctx: UiContext, n: SimNode): string[] {
  return [...(ctx.extras.nodeHolds.get(n.id) ?? [])].map((id) => ctx.extras.holds.find((h) => h.id === id)?.name ?? `#${id}`);
}

function badges(ctx: UiContext, n: SimNode): string {
  const out: string[] = [];
  for (const c of classificationNames(ctx, n)) out.push(`<span class="b rm" title="RM classification">RM ${e(c)}</span>`);
  for (const h of holdNames(ctx, n)) out.push(`<span class="b hold" title="hold">hold ${e(h)}</span>`);
  if (n.workspace)
    out.push(`<span class="b ws" title="business object">${e(`${n.workspace.ext_system_id}/${n.workspace.bo_type}/${n.workspace.bo_id}`)}</span>`);
  return out.join(' ');
}

function categorySummary(ctx: UiContext, n: SimNode): string {
  return categoriesByName(ctx.store, n)
    .map((c) => {
      const vals = c.values
        .filter(([, v]) => v !== '')
        .map(([k, v]) => `${e(k)}: <b>${e(v)}</b>`)
        .join(', ');
      return `<span class="cat"><i>${e(c.category)}</i> ${vals}</span>`;
    })
    .join(' ');
}

function versionSummary(n: SimNode, v: SimVersion | undefined): string {
  if (!v) return '';
  return (
    `<span class="ver">v${v.version_number} · ${e(size(v.file_size))} · ${e(v.create_date)} · <code>${e(shortSha(v.sha256))}</code>` +
    ` · <a href="${versionContentUrl(n.id, v.version_number)}">download</a></span>`
  );
}

function sortChildren(list: SimNode[]): SimNode[] {
  // Containers first, as the Content Server browse view shows them.
  return list.sort((a, b) => Number(a.type === 144) - Number(b.type === 144) || a.name.localeCompare(b.name) || a.id - b.id);
}

function treeItem(ctx: UiContext, n: SimNode): string {
  const latest = ctx.store.latest(n);
  const kids = sortChildren(ctx.store.children(n.id));
  const head = `<span class="t">${e(typeName(n))}</span> ${link(n)} ${n.type === 144 ? versionSummary(n, latest) : ''} ${badges(ctx, n)} ${categorySummary(ctx, n)}`;
  if (kids.length === 0) return `<li>${head}</li>`;
  const shown = kids
    .slice(0, TREE_CHILDREN_LIMIT)
    .map((k) => treeItem(ctx, k))
    .join('');
  const more = kids.length > TREE_CHILDREN_LIMIT ? `<li><a href="${nodeUrl(n.id)}">${kids.length - TREE_CHILDREN_LIMIT} more…</a></li>` : '';
  // Category and classification volumes are reference data: folded, unlike the Enterprise tree.
  const open = n.type === 133 || n.type === 198 ? '' : ' open';
  return `<li><details${open}><summary>${head} <span class="n">(${kids.length})</span></summary><ul>${shown}${more}</ul></details></li>`;
}

function page(ctx: UiContext, title: string, body: string): string {
  const refresh = ctx.refreshSeconds > 0 ? `<meta http-equiv="refresh" content="${ctx.refreshSeconds}">` : '';
  const toggle =
    ctx.refreshSeconds > 0
      ? `auto-refresh every ${ctx.refreshSeconds} s · <a href="?refresh=0">pause</a>`
      : `auto-refresh paused · <a href="?refresh=5">resume</a>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">${refresh}
<title>${e(title)} · Content Server simulator</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0 1.5em 2em;color:#1d2733}
header{display:flex;gap:1.5em;align-items:baseline;border-bottom:1px solid #ccd;padding:.6em 0;margin-bottom:.8em;flex-wrap:wrap}
header h1{font-size:1.2em;margin:0}header .m{color:#667}
h2{font-size:1.05em;margin:1.4em 0 .4em;border-bottom:1px solid #eee}
h3{font-size:.95em;margin:.7em 0 .2em}
ul{list-style:none;padding-left:1.2em;margin:.1em 0}li{margin:.15em 0}
summary{cursor:pointer}
table{border-collapse:collapse;margin:.3em 0}td,th{border:1px solid #dde;padding:.2em .5em;text-align:left;vertical-align:top}th{background:#f3f5f8}
code{font-size:.92em;background:#f3f5f8;padding:0 .2em}
.t{color:#778;font-size:.8em;text-transform:uppercase}.n{color:#889}
.ver{color:#345}.cat{background:#eef6ee;border-radius:3px;padding:0 .3em;margin-left:.3em}
.b{border-radius:3px;padding:0 .35em;font-size:.85em;margin-left:.2em}.rm{background:#e8eefc}.hold{background:#fde8e8}.ws{background:#fff3d6}
.empty{color:#889;font-style:italic}
</style></head><body>
<header><h1><a href="${UI_BASE}">Content Server simulator</a></h1><span class="m">API base <code>${e(ctx.apiBase)}</code></span><span class="m">${toggle}</span><span class="m">read only</span></header>
${body}
</body></html>
`;
}

function table(head: string[], rows: string[][], empty: string): string {
  if (rows.length === 0) return `<p class="empty">${e(empty)}</p>`;
  return `<table><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</table>`;
}

function workspaceRows(ctx: UiContext): string[][] {
  return ctx.store
    .all()
    .filter((n) => !n.deleted && n.type === 848 && n.workspace)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((n) => {
      const ws = n.workspace;
      const type = ctx.extras.workspaceTypes.find((t) => t.id === ws?.type_id)?.name ?? `#${ws?.type_id ?? ''}`;
      const docs = countDocuments(ctx.store, n.id);
      return [link(n), e(type), e(`${ws?.ext_system_id ?? ''} / ${ws?.bo_type ?? ''} / ${ws?.bo_id ?? ''}`), e(path(ctx.store, n)), String(docs)];
    });
}

function countDocuments(store: ContentStore, id: number): number {
  let count = 0;
  for (const c of store.children(id)) count += c.type === 144 ? 1 : countDocuments(store, c.id);
  return count;
}

function processRows(ctx: UiContext, filter?: (p: StartedProcess) => boolean): string[][] {
  return ctx.extras.processes
    .filter((p) => !filter || filter(p))
    .slice()
    .reverse()
    .map((p) => {
      const map = ctx.store.get(p.workflow_id);
      const docs = p.doc_ids.map((id) => {
        const d = ctx.store.get(id);
        return d ? link(d) : `#${id}`;
      });
      return [
        String(p.process_id),
        map ? link(map) : `#${p.workflow_id}`,
        docs.join('<br>'),
        e(p.comment),
        e(p.started),
        e(memberName(ctx.store, ctx.extras, p.initiator)),
      ];
    });
}

function recentDocuments(ctx: UiContext): string[][] {
  return ctx.store
    .all()
    .filter((n) => !n.deleted && n.type === 144 && n.versions.length > 0)
    .sort((a, b) => (ctx.store.latest(b)?.create_date ?? '').localeCompare(ctx.store.latest(a)?.create_date ?? '') || b.id - a.id)
    .slice(0, RECENT_LIMIT)
    .map((n) => {
      const v = ctx.store.latest(n);
      const parent = ctx.store.get(n.parent_id);
      return [
        link(n),
        `v${v?.version_number ?? ''}`,
        e(size(v?.file_size ?? 0)),
        e(v?.create_date ?? ''),
        `<code>${e(shortSha(v?.sha256 ?? ''))}</code>`,
        parent ? link(parent) : '',
        `${categorySummary(ctx, n)} ${badges(ctx, n)}`,
      ];
    });
}

/** The overview: recent documents, every volume's tree, workspaces, workflows, holds. */
export function renderIndex(ctx: UiContext): string {
  const volumes = ctx.store
    .all()
    .filter((n) => !n.deleted && n.parent_id === -1)
    // The Enterprise Workspace first: that is where flows file documents.
    .sort((a, b) => Number(b.type === 141) - Number(a.type === 141) || a.id - b.id);
  const trees = volumes.map((v) => `<ul class="tree">${treeItem(ctx, v)}</ul>`).join('');
  const holds = ctx.extras.holds.map((h) => {
    const on = [...ctx.extras.nodeHolds]
      .filter(([, set]) => set.has(h.id))
      .map(([id]) => ctx.store.all().find((n) => n.id === id))
      .filter((n): n is SimNode => n !== undefined);
    return [e(h.name), e(h.type), h.active === false ? 'no' : 'yes', on.map(link).join(', ')];
  });
  const body = [
    `<h2>Recent documents</h2>`,
    table(['document', 'version', 'size', 'added', 'sha256', 'folder', 'metadata'], recentDocuments(ctx), 'No documents yet.'),
    `<h2>Folders</h2>`,
    trees,
    `<h2>Business workspaces</h2>`,
    table(['workspace', 'type', 'business object', 'location', 'documents'], workspaceRows(ctx), 'No business workspaces.'),
    `<h2>Workflows started</h2>`,
    table(['process', 'map', 'documents', 'comment', 'started', 'initiator'], processRows(ctx), 'No workflow started yet.'),
    `<h2>Holds</h2>`,
    table(['hold', 'type', 'active', 'items on hold'], holds, 'No holds defined.'),
  ].join('\n');
  return page(ctx, 'Overview', body);
}

function permissionRows(ctx: UiContext, entries: PermissionEntry[]): string[][] {
  return entries.map((p) => {
    const who = p.type === 'public' ? 'Public Access' : memberName(ctx.store, ctx.extras, p.right_id);
    return [e(p.type), e(who), e(p.permissions.join(', '))];
  });
}

/** One node: properties, versions with downloads, categories by name, records, permissions, children. */
export function renderNode(ctx: UiContext, id: number): string | undefined {
  const n = ctx.store.get(id);
  if (!n) return undefined;
  const crumbs = ctx.store
    .ancestors(n)
    .map((a) => (a.id === n.id ? e(a.name) : link(a)))
    .join(' / ');
  const props: string[][] = [
    ['id', String(n.id)],
    ['type', e(`${typeName(n)} (${n.type})`)],
    ['description', e(n.description)],
    ['created', e(n.create_date)],
    ['modified', e(n.modify_date)],
    ['owner', e(memberName(ctx.store, ctx.extras, n.owner_user_id))],
  ];
  if (n.external_create_date || n.external_modify_date) props.push(['external dates', e(`${n.external_create_date ?? ''} / ${n.external_modify_date ?? ''}`)]);
  if (n.external_source || n.external_identity) props.push(['external', e(`${n.external_source} ${n.external_identity} ${n.external_identity_type}`.trim())]);
  if (n.workspace) {
    const type = ctx.extras.workspaceTypes.find((t) => t.id === n.workspace?.type_id)?.name ?? `#${n.workspace.type_id}`;
    props.push(['workspace type', e(type)], ['business object', e(`${n.workspace.ext_system_id} / ${n.workspace.bo_type} / ${n.workspace.bo_id}`)]);
  }
  const versions = n.versions
    .slice()
    .reverse()
    .map((v) => [
      `v${v.version_number}`,
      e(v.file_name),
      e(size(v.file_size)),
      e(v.mime_type),
      e(v.create_date),
      `<code title="${e(v.sha256)}">${e(shortSha(v.sha256))}</code>`,
      e(v.description),
      `<a href="${versionContentUrl(n.id, v.version_number)}">download</a>`,
    ]);
  const cats = categoriesByName(ctx.store, n)
    .map(
      (c) =>
        `<h3>${e(c.category)}</h3>${table(
          ['attribute', 'value'],
          c.values.map(([k, v]) => [e(k), e(v)]),
          '',
        )}`,
    )
    .join('');
  const classes = (ctx.extras.classifications.get(n.id) ?? []).map((c, i) => [
    e(classificationNames(ctx, n)[i] ?? ''),
    e(c.status),
    c.essential ? 'yes' : 'no',
    c.official ? 'yes' : 'no',
    e(c.applied),
  ]);
  const explicit = ctx.extras.permissions.get(n.id);
  const perms = permissionRows(ctx, explicit ?? defaultPermissions(n));
  const kids = sortChildren(ctx.store.children(n.id)).map((k) => [
    `<span class="t">${e(typeName(k))}</span>`,
    link(k),
    k.type === 144 ? versionSummary(k, ctx.store.latest(k)) : '',
    `${categorySummary(ctx, k)} ${badges(ctx, k)}`,
  ]);
  const body = [
    `<p>${crumbs} · <a href="/__sim/nodes/${n.id}">JSON</a></p>`,
    `<h2>${e(n.name)}</h2>`,
    table(['property', 'value'], props, ''),
    n.type === 144
      ? `<h2>Versions</h2>${table(['version', 'file name', 'size', 'MIME type', 'added', 'sha256', 'description', ''], versions, 'No versions.')}`
      : '',
    `<h2>Categories</h2>${cats || '<p class="empty">No categories applied.</p>'}`,
    `<h2>Records management</h2>`,
    table(['classification', 'status', 'essential', 'official', 'applied'], classes, 'Not classified.'),
    `<p>Holds: ${
      holdNames(ctx, n)
        .map((h) => e(h))
        .join(', ') || '<span class="empty">none</span>'
    }</p>`,
    `<h2>Permissions${explicit ? '' : ' (defaults)'}</h2>`,
    table(['kind', 'member', 'permissions'], perms, ''),
    n.type === 144 || n.type === 848 || ctx.extras.processes.some((p) => p.workflow_id === n.id)
      ? `<h2>Workflows</h2>${table(
          ['process', 'map', 'documents', 'comment', 'started', 'initiator'],
          processRows(ctx, (p) => p.doc_ids.includes(n.id) || p.workflow_id === n.id),
          'No workflow started for this item.',
        )}`
      : '',
    kids.length > 0 || ctx.store.isContainer(n)
      ? `<h2>Contents (${kids.length})</h2>${table(['type', 'name', 'latest version', 'metadata'], kids, 'Empty.')}`
      : '',
  ].join('\n');
  return page(ctx, n.name, body);
}

/** A small HTML page for 404s under the UI, in the same frame. */
export function renderMissing(ctx: UiContext, what: string): string {
  return page(ctx, 'Not found', `<p class="empty">${e(what)}</p><p><a href="${UI_BASE}">Back to the overview</a></p>`);
}
