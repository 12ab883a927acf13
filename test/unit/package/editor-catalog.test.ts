/**
 * The editor side of every node, checked offline: message-catalog keys the dialogs and the runtime
 * use really exist, icons are ours and white on transparent, help texts follow Node-RED's layout,
 * dialog templates hold no hard-coded English, and status calls keep to Node-RED's colours.
 * A missing key shows in the editor as the raw key (or an empty label), which no other test sees.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../support/runtimes';
import { editorHtml, editorScript, isConfigType } from '../../support/editor-files';
import { shortStatus } from '../../../src/nodes/kit/status';

const MODULE = 'node-red-contrib-ecm-filebridge';
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
const types = Object.keys(pkg['node-red'].nodes);

type Catalog = Record<string, unknown>;
const catalogs = new Map<string, Catalog>();
function catalogOf(type: string): Catalog {
  let c = catalogs.get(type);
  if (!c) {
    c = JSON.parse(readFileSync(join(REPO_ROOT, 'nodes', 'locales', 'en-US', `${type}.json`), 'utf8')) as Catalog;
    catalogs.set(type, c);
  }
  return c;
}

function lookup(catalog: Catalog, key: string): unknown {
  let at: unknown = catalog;
  for (const part of key.split('.')) {
    if (at === null || typeof at !== 'object' || !Object.prototype.hasOwnProperty.call(at, part)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

/**
 * Where a key lives: `ns:key` names another catalog of this module (the dialogs share the picker
 * texts of cs-connection); a bare key is in the node's own catalog.
 */
function resolveKey(ownType: string, raw: string): { catalogType: string; key: string } {
  const m = /^([^:]+):(.+)$/.exec(raw);
  if (!m) return { catalogType: ownType, key: raw };
  const ns = m[1];
  assert.ok(ns.startsWith(`${MODULE}/`), `"${raw}": namespace ${ns} is not one of this module's catalogs`);
  return { catalogType: ns.slice(MODULE.length + 1), key: m[2] };
}

/** Problems with one key: it must name a text (or, for a prefix completed at run time, a group). */
function keyProblem(ownType: string, raw: string, prefix = false): string | undefined {
  const { catalogType, key } = resolveKey(ownType, raw);
  if (!types.includes(catalogType)) return `${raw}: no catalog ${catalogType}`;
  const catalog = catalogOf(catalogType);
  if (prefix) {
    // `'x.kind.' + k`: the group must exist and hold texts.
    const group = lookup(catalog, key.replace(/[.-]$/, ''));
    if (key.endsWith('.')) {
      return group && typeof group === 'object' && Object.values(group).every((v) => typeof v === 'string')
        ? undefined
        : `${raw}… is not a group of texts in ${catalogType}.json`;
    }
    // `'x.tip.table-' + from`: some sibling key starts with it.
    const dot = key.lastIndexOf('.');
    const parent = lookup(catalog, key.slice(0, dot));
    const start = key.slice(dot + 1);
    return parent && typeof parent === 'object' && Object.keys(parent).some((k) => k.startsWith(start))
      ? undefined
      : `${raw}… matches no key in ${catalogType}.json`;
  }
  const value = lookup(catalog, key);
  if (typeof value !== 'string') return `${raw} is ${value === undefined ? 'missing from' : 'not a text in'} ${catalogType}.json`;
  if (value.trim() === '') return `${raw} is empty in ${catalogType}.json`;
  return undefined;
}

function templateOf(type: string): string {
  const m = new RegExp(`<script type="text/html" data-template-name="${type}">([\\s\\S]*?)</script>`).exec(editorHtml(type));
  assert.ok(m, `${type}.html has its edit template`);
  return m[1];
}

/** Keys of `data-i18n` attributes: `key`, `[html]key`, `[placeholder]key;[title]other`. */
export function dataI18nKeys(html: string): string[] {
  const keys: string[] = [];
  for (const m of html.matchAll(/data-i18n="([^"]*)"/g)) {
    for (const part of m[1].split(';')) {
      const key = part.replace(/^\s*\[[a-z-]+\]/, '').trim();
      keys.push(key);
    }
  }
  return keys;
}

/**
 * Catalog keys a script uses: each string literal that starts with a node type and a dot, as given
 * to `this._`, `node._`, `RED._(NS + ...)` or kept in a variable for them. A literal followed by
 * `+` is completed at run time and is checked as a prefix.
 */
export function scriptKeys(script: string): { key: string; prefix: boolean }[] {
  const found: { key: string; prefix: boolean }[] = [];
  const typeAlt = types.map((t) => t.replace(/-/g, '\\-')).join('|');
  const literal = new RegExp(`'((?:${MODULE.replace(/-/g, '\\-')}/(?:${typeAlt}):)?(?:${typeAlt})\\.[A-Za-z0-9_.-]*)'(\\s*\\+)?`, 'g');
  for (const m of script.matchAll(literal)) {
    if (/\.(svg|png|html|js|json)$/.test(m[1])) continue;
    found.push({ key: m[1], prefix: Boolean(m[2]) });
  }
  return found;
}

/**
 * The box the points of an SVG path span (control points included, which can only make it
 * larger): enough to tell a background from a symbol.
 */
export function pathBox(d: string): { w: number; h: number } | undefined {
  const tokens = d.match(/[a-zA-Z]|-?(?:\d+\.?\d*|\.\d+)(?:e-?\d+)?/g) ?? [];
  const ARGS: Record<string, number> = { m: 2, l: 2, h: 1, v: 1, c: 6, s: 4, q: 4, t: 2, a: 7, z: 0 };
  let x = 0;
  let y = 0;
  let startX = 0;
  let startY = 0;
  const xs: number[] = [];
  const ys: number[] = [];
  let cmd = '';
  let i = 0;
  while (i < tokens.length) {
    if (/[a-zA-Z]/.test(tokens[i])) cmd = tokens[i++];
    const lower = cmd.toLowerCase();
    const rel = cmd === lower;
    if (lower === 'z') {
      x = startX;
      y = startY;
      continue;
    }
    const n = ARGS[lower];
    if (n === undefined) return undefined;
    const a = tokens.slice(i, i + n).map(Number);
    if (a.length < n || a.some(Number.isNaN)) return undefined;
    i += n;
    const point = (px: number, py: number): void => {
      xs.push(rel ? x + px : px);
      ys.push(rel ? y + py : py);
    };
    if (lower === 'h') x = rel ? x + a[0] : a[0];
    else if (lower === 'v') y = rel ? y + a[0] : a[0];
    else {
      const end = lower === 'a' ? [a[5], a[6]] : [a[n - 2], a[n - 1]];
      for (let k = 0; k + 1 < n && lower !== 'a'; k += 2) point(a[k], a[k + 1]);
      if (lower === 'a') {
        // An arc bulges at most by its radii beyond its end points.
        point(end[0] + a[0], end[1] + a[1]);
        point(end[0] - a[0], end[1] - a[1]);
      }
      x = rel ? x + end[0] : end[0];
      y = rel ? y + end[1] : end[1];
    }
    xs.push(x);
    ys.push(y);
    if (lower === 'm') {
      startX = x;
      startY = y;
      cmd = rel ? 'l' : 'L';
    }
  }
  if (xs.length === 0) return undefined;
  return { w: Math.max(...xs) - Math.min(...xs), h: Math.max(...ys) - Math.min(...ys) };
}

/** Text nodes of a template outside `<style>`, `<script>` and comments. */
function textNodes(html: string): string[] {
  // Attribute values may hold `<` and `>` (a regex placeholder); they are checked on their own.
  const stripped = html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/=\s*"[^"]*"/g, '=""')
    .replace(/=\s*'[^']*'/g, "=''");
  return stripped
    .split(/<[^>]*>/)
    .map((t) => t.replace(/&[a-z]+;/g, ' ').trim())
    .filter((t) => t !== '');
}

/** Product and format names are the same in every language. */
const UNTRANSLATED = /^[A-Z][A-Z0-9]*(?:[ /+-][A-Z0-9]+)*(?: \(\.[a-z0-9]+\))?$/;
/** English prose in an attribute, as opposed to an example value such as a path, a glob or JSON. */
const PROSE = /\b(?:or|and|the|of|to|for|with|off|none|optional|default|leave|empty|e\.g)\b/i;

describe('editor: message catalog, icons, help, templates (offline)', () => {
  describe('message catalog keys', () => {
    for (const type of types) {
      it(`${type}: every data-i18n key of the edit template resolves in ${type}.json (or the catalog it names)`, () => {
        const keys = dataI18nKeys(templateOf(type));
        assert.ok(keys.length > 0, 'the template is translated at all');
        const problems = keys.map((k) => keyProblem(type, k)).filter((p): p is string => p !== undefined);
        assert.deepEqual(problems, []);
      });

      it(`${type}: every key the editor script passes to this._ / node._ / RED._ resolves`, () => {
        const script = editorScript(type);
        const keys = scriptKeys(script);
        assert.ok(
          keys.some((k) => k.key.endsWith('.paletteLabel')),
          'the palette label comes from the catalog',
        );
        // Every translation call in the script either names a key literally or builds it from one.
        const calls = [...script.matchAll(/\b(?:this|node|RED)\._\(\s*([^,)]+)/g)].map((m) => m[1].trim());
        const unchecked = calls.filter((arg) => !/^(?:NS \+ )?'[^']+'/.test(arg) && !/^[A-Za-z]+Key$/.test(arg) && !/^[A-Za-z.]+ \? '/.test(arg));
        assert.deepEqual(unchecked, [], 'translation calls whose key this test cannot see');
        const problems = keys.map((k) => keyProblem(type, k.key, k.prefix)).filter((p): p is string => p !== undefined);
        assert.deepEqual(problems, []);
      });
    }

    it('RED._ keys used by the runtime (src/nodes) resolve in the catalogs', () => {
      const dir = join(REPO_ROOT, 'src', 'nodes');
      // The glue kit (src/nodes/kit) included: a status or catalog text it writes shows on the nodes.
      const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
      assert.ok(files.length >= types.length, 'the runtime sources are where this test looks');
      const problems: string[] = [];
      for (const file of files) {
        const source = readFileSync(join(dir, file), 'utf8');
        const own = types.find((t) => file === `${t}.ts`) ?? '';
        for (const m of source.matchAll(/\bRED\._\(\s*(['`])([^'`]+)\1/g)) {
          // At run time Node-RED resolves a bare key against the node's own catalog.
          const raw = m[2];
          const p = own || raw.includes(':') ? keyProblem(own, raw) : `${file}: "${raw}" has no catalog to resolve in`;
          if (p) problems.push(`${file}: ${p}`);
        }
        for (const m of source.matchAll(/\bRED\._\(\s*([^'`\s][^,)]*)/g)) problems.push(`${file}: RED._(${m[1]}) with a key this test cannot see`);
      }
      assert.deepEqual(problems, []);
    });
  });

  describe('icons', () => {
    const iconDir = join(REPO_ROOT, 'nodes', 'icons');
    const WHITE = /^(?:#fff|#ffffff|white|none|transparent)$/i;

    /** Painted colours of an SVG, and shapes with no fill of their own or inherited (black by default). */
    function paint(svg: string): { colours: string[]; unfilled: string[]; backgrounds: string[] } {
      const colours: string[] = [];
      for (const m of svg.matchAll(/\b(fill|stroke|stop-color|color|flood-color)\s*[=:]\s*"?([^";>\s]+)/g)) colours.push(m[2]);
      const unfilled: string[] = [];
      const backgrounds: string[] = [];
      // Fill set on <svg> or a <g> is inherited by everything inside; this test wants it said on each shape or on <svg>.
      const rootFill = /<svg\b[^>]*\bfill="([^"]+)"/.exec(svg)?.[1];
      const groupFill = /<g\b[^>]*\bfill="/.test(svg);
      for (const m of svg.matchAll(/<(path|rect|circle|ellipse|polygon|polyline|line|text)\b([^>]*)>/g)) {
        const attrs = m[2];
        const fill = /\bfill="([^"]+)"/.exec(attrs)?.[1] ?? /fill:\s*([^;"]+)/.exec(attrs)?.[1] ?? rootFill;
        if (fill === undefined && !groupFill && m[1] !== 'line' && m[1] !== 'polyline') unfilled.push(m[0]);
        if (m[1] === 'rect') {
          const n = (a: string): number => Number(new RegExp(`\\b${a}="([\\d.]+)"`).exec(attrs)?.[1] ?? 0);
          if (n('width') >= 36 && n('height') >= 54 && fill !== 'none') backgrounds.push(m[0]);
        }
        if (m[1] === 'path') {
          const box = pathBox(/\bd="([^"]+)"/.exec(attrs)?.[1] ?? '');
          if (box && box.w >= 36 && box.h >= 54 && fill !== 'none') backgrounds.push(m[0]);
        }
      }
      return { colours, unfilled, backgrounds };
    }

    const referenced = new Map<string, string[]>();
    for (const type of types) {
      const icon = /\bicon:\s*'([^']+)'/.exec(editorScript(type))?.[1];
      if (icon) referenced.set(icon, [...(referenced.get(icon) ?? []), type]);
    }

    it('every node names an icon, and no two node families share one', () => {
      const missing = types.filter((t) => !/\bicon:\s*'[^']+'/.test(editorScript(t)));
      assert.deepEqual(missing, [], 'nodes without a literal icon');
      // The transfer family (server, remote, watch) and the Content Server family each have their own.
      const family = (t: string): string =>
        t.startsWith('filebridge-cs-') ? 'cs' : ['filebridge-server', 'filebridge-remote', 'filebridge-watch'].includes(t) ? 'transfer' : t;
      const shared = [...referenced.entries()].filter(([, users]) => new Set(users.map(family)).size > 1);
      assert.deepEqual(
        shared.map(([icon, users]) => `${icon}: ${users.join(', ')}`),
        [],
        'icons used across node families',
      );
    });

    it('every node family has its own colour; ack and quarantine stand apart from Content Server', () => {
      const colour = (t: string): string => /\bcolor:\s*'(#[0-9a-fA-F]{3,6})'/.exec(editorScript(t))?.[1]?.toLowerCase() ?? '';
      const cs = types.filter((t) => t.startsWith('filebridge-cs-')).map(colour);
      assert.equal(new Set(cs).size, 1, `one colour for the Content Server nodes: ${cs.join(', ')}`);
      assert.notEqual(cs[0], colour('filebridge-remote'), 'Content Server and transfer nodes look different');
      assert.notEqual(cs[0], colour('filebridge-quarantine'));
    });

    for (const icon of [...new Set([...referenced.keys(), ...readdirSync(iconDir)])].sort()) {
      it(`icons/${icon} exists and is white on transparent (viewBox 0 0 40 60)`, () => {
        assert.ok(existsSync(join(iconDir, icon)), `nodes/icons/${icon} exists (used by ${(referenced.get(icon) ?? []).join(', ')})`);
        assert.match(icon, /\.svg$/, 'an SVG, so it stays sharp');
        const svg = readFileSync(join(iconDir, icon), 'utf8');
        assert.match(svg, /^\s*<svg\b[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, 'an SVG document');
        assert.match(svg, /\bviewBox="0 0 40 60"/, 'Node-RED icon proportions');
        assert.doesNotMatch(svg, /<(image|script|foreignObject)\b/, 'only vector shapes');
        const { colours, unfilled, backgrounds } = paint(svg);
        assert.ok(colours.length > 0, 'colours are set, not left to the black default');
        assert.deepEqual(
          colours.filter((c) => !WHITE.test(c)),
          [],
          'painted colours other than white',
        );
        assert.deepEqual(unfilled, [], 'shapes without a fill are painted black');
        assert.deepEqual(backgrounds, [], 'a shape covering the whole icon is an opaque background');
        assert.doesNotMatch(svg, /opacity="0?\.\d+"|opacity:/, 'no half-transparent tints that read as grey');
      });
    }

    it('every icon file is used by some node', () => {
      const unused = readdirSync(iconDir).filter((f) => !referenced.has(f));
      assert.deepEqual(unused, []);
    });
  });

  describe('help texts', () => {
    for (const type of types) {
      it(`${type}: summary line first, then the Node-RED sections and an example`, () => {
        const file = join(REPO_ROOT, 'nodes', 'locales', 'en-US', `${type}.html`);
        const help = readFileSync(file, 'utf8');
        const body = new RegExp(`<script type="text/html" data-help-name="${type}">([\\s\\S]*?)</script>`).exec(help)?.[1];
        assert.ok(body, `locales/en-US/${type}.html holds the help for ${type}`);
        const first = /^\s*<p>([\s\S]*?)<\/p>/.exec(body);
        assert.ok(first, 'the help starts with a summary <p> (Node-RED shows it as the palette tooltip)');
        const summary = first[1]
          .replace(/<[^>]+>/g, '')
          .replace(/\s+/g, ' ')
          .trim();
        assert.ok(summary.length >= 20 && summary.length <= 200, `a one-sentence summary: "${summary}" (${summary.length} characters)`);
        assert.doesNotMatch(summary, /[.!?] +[A-Z]/, `one sentence: "${summary}"`);
        const sections = [...body.matchAll(/<h3>([^<]+)<\/h3>/g)].map((m) => m[1].trim());
        const required = isConfigType(type) ? ['Details'] : ['Inputs', 'Outputs', 'Details'];
        for (const s of required) assert.ok(sections.includes(s), `section ${s} (has: ${sections.join(', ')})`);
        const example = sections.findIndex((s) => /^Examples?$/.test(s));
        assert.ok(example >= 0, `an Example section (has: ${sections.join(', ')})`);
        assert.ok(example > sections.indexOf('Details'), 'the example follows the details');
        const exampleText = body
          .split(/<h3>Examples?<\/h3>/)[1]
          .split(/<h3>/)[0]
          .replace(/<[^>]+>/g, '')
          .trim();
        assert.ok(exampleText.length >= 80, `the example says something concrete: "${exampleText}"`);
        if (!isConfigType(type)) {
          // Node-RED's help style: message properties as a definition list.
          const inputs = body.split('<h3>Inputs</h3>')[1].split('<h3>')[0];
          const outputs = body.split('<h3>Outputs</h3>')[1].split('<h3>')[0];
          assert.match(inputs, /<dl class="message-properties">|<p>/, 'Inputs lists message properties');
          assert.match(outputs, /<dl class="message-properties">|<ol class="node-ports">|<p>/, 'Outputs lists message properties');
        }
      });
    }
  });

  describe('edit templates have no hard-coded English', () => {
    for (const type of types) {
      it(`${type}: labels, buttons, tips and options come from the catalog`, () => {
        const template = templateOf(type);
        const texts = textNodes(template).filter((t) => /[A-Za-z]/.test(t) && !UNTRANSLATED.test(t));
        assert.deepEqual(texts, [], 'visible text typed into the template instead of data-i18n');
        const attrs = [...template.matchAll(/\b(placeholder|title|aria-label)="([^"]*)"/g)]
          .filter((m) => m[1] !== 'placeholder' || PROSE.test(m[2]))
          .filter((m) => /[A-Za-z]/.test(m[2]))
          .map((m) => `${m[1]}="${m[2]}"`);
        assert.deepEqual(attrs, [], 'placeholders in words, titles and aria labels belong in the catalog ([placeholder]key)');
        const script = editorScript(type);
        // Nor may the script add English to the dialog on its own.
        const typedByScript = [
          ...script.matchAll(/\.(?:text|html)\(\s*'([^']*[A-Za-z][^']*)'|\.attr\(\s*'(?:placeholder|title)'\s*,\s*'([^']*[A-Za-z][^']*)'/g),
        ]
          .map((m) => m[1] ?? m[2])
          .filter((t) => /[A-Za-z]/.test(t.replace(/&[a-z]+;/g, '')) && !UNTRANSLATED.test(t));
        assert.deepEqual(typedByScript, [], 'texts the editor script writes into the dialog without the catalog');
        for (const m of template.matchAll(/<label\b[^>]*>([\s\S]*?)<\/label>/g)) {
          const whole = m[0];
          // A label whose text depends on another setting is filled by the script, from the catalog.
          const filled = /<span id="([^"]+)"><\/span>/.exec(whole)?.[1];
          const byScript = filled !== undefined && new RegExp(`\\$\\('#${filled}'\\)\\.text\\((?:node|this)\\._\\(`).test(script);
          assert.ok(/data-i18n=/.test(whole) || byScript, `label with no catalog text: ${whole.replace(/\s+/g, ' ')}`);
        }
      });
    }
  });

  describe('status texts', () => {
    const STANDARD = ['red', 'green', 'yellow', 'blue', 'grey'];
    const dir = join(REPO_ROOT, 'src', 'nodes');
    const sources = readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => ({ file: f, text: readFileSync(join(dir, f), 'utf8') }));

    it('every status uses a standard colour and shape', () => {
      const fills = sources.flatMap(({ file, text }) => [...text.matchAll(/\bfill:\s*'([^']*)'/g)].map((m) => ({ file, fill: m[1] })));
      assert.ok(fills.length >= 20, `the status calls were found (${fills.length})`);
      assert.deepEqual(
        fills.filter((f) => !STANDARD.includes(f.fill)),
        [],
      );
      const shapes = sources.flatMap(({ file, text }) => [...text.matchAll(/\bshape:\s*'([^']*)'/g)].map((m) => ({ file, shape: m[1] })));
      assert.deepEqual(
        shapes.filter((s) => s.shape !== 'dot' && s.shape !== 'ring'),
        [],
      );
    });

    it('status texts are short: literals at most 40 characters, texts with a name or path in them go through shortStatus', () => {
      const problems: string[] = [];
      for (const { file, text } of sources) {
        for (const m of text.matchAll(/\btext:\s*('([^']*)'|`([^`]*)`)/g)) {
          if (m[2] !== undefined && m[2].length > 40) problems.push(`${file}: '${m[2]}' is longer than 40 characters`);
          // A file name, path or summary has no bound: shortStatus cuts it with an ellipsis.
          if (m[3] !== undefined && /\$\{[^}]*(name|path|summary|fields|value)/i.test(m[3])) problems.push(`${file}: ${m[1]} is not cut by shortStatus`);
        }
        if (/\btext:[^\n]*\.slice\(/.test(text)) problems.push(`${file}: a status text cut with slice() instead of shortStatus (no ellipsis)`);
      }
      assert.deepEqual(problems, []);
    });

    it('shortStatus keeps short texts and cuts long ones to 40 characters with an ellipsis', () => {
      assert.equal(shortStatus('uploading a.csv'), 'uploading a.csv');
      const long = `uploading ${'x'.repeat(60)}.csv`;
      const cut = shortStatus(long);
      assert.equal(cut.length, 40);
      assert.ok(cut.endsWith('…') && long.startsWith(cut.slice(0, -1)), cut);
      assert.equal(shortStatus('y'.repeat(40)), 'y'.repeat(40));
    });
  });
});
