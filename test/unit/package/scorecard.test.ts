/**
 * The Flow Library's scorecard checks that need no network, re-implemented so a release cannot
 * lose a point unnoticed: package metadata, Node-RED 5's Node minimum, runtime dependencies, every
 * node type used by an example, and editor files whose registration the library can read.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'acorn';
import { simple } from 'acorn-walk';
import { exampleFiles } from '../../support/example-files';
import { REPO_ROOT } from '../../support/runtimes';
import { editorHtml, isConfigType } from '../../support/editor-files';

interface PackageJson {
  name: string;
  license?: string;
  repository?: { url?: string } | string;
  keywords?: string[];
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  'node-red'?: { version?: string; nodes?: Record<string, string> };
}

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as PackageJson;
const types = Object.keys(pkg['node-red']?.nodes ?? {});

/** `>=20` style ranges: does the lowest version admitted lie at or below `version`? */
function admits(range: string | undefined, version: string): boolean {
  const m = /^>=\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec((range ?? '').trim());
  if (!m) return false;
  const want = version.split('.').map(Number);
  const min = [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
  for (let i = 0; i < 3; i++) if (min[i] !== (want[i] ?? 0)) return min[i] < (want[i] ?? 0);
  return true;
}

/** What the Flow Library reads of one type's registration: its literal facts, `defaults` and `credentials` names. */
interface LibraryDefinition {
  category?: unknown;
  color?: unknown;
  icon?: unknown;
  inputs?: unknown;
  outputs?: unknown;
  defaults?: string[];
  credentials?: string[];
}

/**
 * Reads a node's HTML as the Flow Library does (node-red-dev's checknodes.js, getNodeDefinitions):
 * every `<script ... type="text/javascript" ...>` block, with or without `src`, is parsed with acorn,
 * and every call of something`.registerType('<literal type>', { ... })` is read. `errors` are the
 * entries the library records (each costs a scorecard point); where its parser throws (a spread in
 * the definition, a type that is not a literal, a definition that is not an object literal, no
 * registration at all), this throws too, since the library's whole validation then fails.
 */
function libraryDefinitions(html: string): { defs: Record<string, LibraryDefinition>; errors: string[] } {
  const blocks = [...html.matchAll(/<script.+?type=['"]text\/javascript['"].*?>([\S\s]*?)<\/script>/gi)].map((m) => m[1]);
  if (blocks.length === 0) throw new Error('No <script> sections found');
  const defs: Record<string, LibraryDefinition> = {};
  const errors: string[] = [];
  for (const block of blocks) {
    simple(parse(block, { ecmaVersion: 'latest' }), {
      CallExpression(call) {
        const callee = call.callee;
        if (callee.type !== 'MemberExpression' || !('name' in callee.property) || callee.property.name !== 'registerType') return;
        const [typeNode, defNode] = call.arguments;
        if (typeNode?.type !== 'Literal') throw new Error(`registerType with a type that is not a literal: the library's parser throws (non-literal)`);
        if (defNode?.type !== 'ObjectExpression')
          throw new Error(`registerType('${String(typeNode.value)}', ...) without an object literal: the library's parser throws (non-objectexpression)`);
        const def: LibraryDefinition = {};
        defs[String(typeNode.value)] = def;
        for (const prop of defNode.properties) {
          if (prop.type !== 'Property')
            throw new Error(`a spread element in registerType('${String(typeNode.value)}', {...}): the library's parser throws (no key)`);
          const key = 'name' in prop.key ? prop.key.name : undefined;
          if (key === 'defaults' || key === 'credentials') {
            if (prop.value.type !== 'ObjectExpression') errors.push(`${key}-not-inline`);
            else {
              const names = prop.value.properties.map((p) => (p.type === 'Property' && 'name' in p.key ? p.key.name : undefined));
              if (names.includes(undefined)) throw new Error(`an entry of ${key} without a name: the library's parser throws`);
              def[key] = names as string[];
            }
          } else if (key === 'category' || key === 'color' || key === 'icon' || key === 'inputs' || key === 'outputs') {
            if (prop.value.type !== 'Literal') errors.push(`${key}-not-inline`);
            else def[key] = prop.value.value;
          }
        }
      },
    });
  }
  if (Object.keys(defs).length === 0) throw new Error('No type definitions found');
  return { defs, errors };
}

describe('Flow Library scorecard (offline checks)', () => {
  it('has a license, a repository, a node-red-contrib name and the node-red keyword', () => {
    assert.equal(pkg.license, 'Apache-2.0');
    assert.ok(existsSync(join(REPO_ROOT, 'LICENSE')), 'LICENSE file');
    const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
    assert.match(String(repo), /^git\+https:\/\/github\.com\/[^/]+\/[^/]+\.git$/);
    assert.match(pkg.name, /^node-red-contrib-[a-z0-9-]+$/);
    assert.ok(pkg.keywords?.includes('node-red'), 'keyword node-red');
  });

  it('declares node-red.version and engines.node so Node-RED 4 and 5 (Node 22.9) are admitted', () => {
    assert.ok(admits(pkg['node-red']?.version, '4.0.0'), `node-red.version ${pkg['node-red']?.version}`);
    assert.ok(admits(pkg['node-red']?.version, '5.0.0'));
    assert.ok(admits(pkg.engines?.node, '22.9.0'), `engines.node ${pkg.engines?.node} admits Node-RED 5's minimum Node`);
    assert.ok(admits(pkg.engines?.node, '20.0.0'), 'and Node 20 for Node-RED 4.1');
  });

  it('has at most six runtime dependencies besides the dropbox SDK and axios, and the README names each with its reason', () => {
    // The Flow Library advises six; the users' package list names `dropbox` and `axios`, which outranks that advice.
    const deps = Object.keys(pkg.dependencies ?? {}).filter((d) => d !== 'dropbox' && d !== 'axios');
    assert.ok(deps.length <= 6, `runtime dependencies: ${deps.join(', ')}`);
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('### Runtime dependencies'));
    for (const dep of Object.keys(pkg.dependencies ?? {})) assert.match(table, new RegExp(`\\| \`${dep}\` \\|`), `README lists ${dep} with its reason`);
  });

  it('uses every non-config node in at least one example', () => {
    const used = new Set<string>();
    for (const file of exampleFiles()) {
      for (const n of JSON.parse(readFileSync(join(REPO_ROOT, 'examples', file), 'utf8')) as { type: string }[]) used.add(n.type);
    }
    const unused = types.filter((t) => !isConfigType(t) && !used.has(t));
    assert.deepEqual(unused, [], 'node types no example uses');
  });

  for (const type of types) {
    it(`${type}.html parses and registers '${type}' with literal category, color, icon, inputs and outputs`, () => {
      assert.equal(basename(pkg['node-red']?.nodes?.[type] ?? '', '.js'), type, 'the .js entry is named after the type');
      const { defs, errors } = libraryDefinitions(editorHtml(type));
      assert.deepEqual(Object.keys(defs), [type], `${type}.html registers '${type}' (with the type as a literal), and only it`);
      assert.deepEqual(errors, [], 'entries the library cannot read');
      const def = defs[type];
      assert.equal(typeof def.category, 'string', 'a literal category');
      assert.match(String(def.color), /^#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?$/, 'a literal colour');
      assert.equal(typeof def.icon, 'string', 'a literal icon');
      assert.ok(existsSync(join(REPO_ROOT, 'nodes', 'icons', String(def.icon))), `nodes/icons/${String(def.icon)} exists`);
      assert.ok(Number.isInteger(def.inputs), 'literal inputs');
      assert.ok(Number.isInteger(def.outputs), 'literal outputs');
      const help = readFileSync(join(REPO_ROOT, 'nodes', 'locales', 'en-US', `${type}.html`), 'utf8');
      assert.match(help, new RegExp(`data-help-name="${type}"`), 'help text in locales/en-US');
    });
  }
});
