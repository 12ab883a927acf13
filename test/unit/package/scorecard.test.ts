/**
 * The Flow Library's scorecard checks that need no network, re-implemented so a release cannot
 * lose a point unnoticed: package metadata, Node-RED 5's Node minimum, runtime dependencies, every
 * node type used by an example, and editor files whose registration the library can read.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Script } from 'node:vm';
import { exampleFiles } from '../../support/example-files';
import { REPO_ROOT } from '../../support/runtimes';
import { editorScript, isConfigType } from '../../support/editor-files';

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

describe('Flow Library scorecard (offline checks)', () => {
  it('has a license, a repository, a node-red-contrib name and the node-red keyword', () => {
    assert.equal(pkg.license, 'Apache-2.0');
    assert.ok(existsSync(join(REPO_ROOT, 'LICENSE')), 'LICENSE file');
    const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
    assert.match(String(repo), /^git\+https:\/\/github\.com\/[^/]+\/[^/]+\.git$/);
    assert.match(pkg.name, /^node-red-contrib-[a-z0-9-]+$/);
    assert.ok(pkg.keywords?.includes('node-red'), 'keyword node-red');
  });

  it("declares node-red.version and engines.node so Node-RED 4 and 5 (Node 22.9) are admitted", () => {
    assert.ok(admits(pkg['node-red']?.version, '4.0.0'), `node-red.version ${pkg['node-red']?.version}`);
    assert.ok(admits(pkg['node-red']?.version, '5.0.0'));
    assert.ok(admits(pkg.engines?.node, '22.9.0'), `engines.node ${pkg.engines?.node} admits Node-RED 5's minimum Node`);
    assert.ok(admits(pkg.engines?.node, '20.0.0'), 'and Node 20 for Node-RED 4.1');
  });

  it('has at most six runtime dependencies', () => {
    const deps = Object.keys(pkg.dependencies ?? {});
    assert.ok(deps.length <= 6, `runtime dependencies: ${deps.join(', ')}`);
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
      const script = editorScript(type);
      assert.doesNotThrow(() => new Script(script, { filename: `${type}.html` }), 'the editor script is valid JavaScript');
      const call = new RegExp(`RED\\.nodes\\.registerType\\(\\s*'${type}'\\s*,\\s*\\{`).exec(script);
      assert.ok(call, `registerType('${type}', {...}) with the type as a literal`);
      const definition = script.slice(call.index);
      assert.match(definition, /\bcategory:\s*'[^']+'/);
      assert.match(definition, /\bcolor:\s*'#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?'/);
      const icon = /\bicon:\s*'([^']+)'/.exec(definition);
      assert.ok(icon, 'a literal icon');
      assert.ok(existsSync(join(REPO_ROOT, 'nodes', 'icons', icon[1])), `nodes/icons/${icon[1]} exists`);
      assert.match(definition, /\binputs:\s*\d+\s*,/);
      assert.match(definition, /\boutputs:\s*\d+\s*,/);
      const help = readFileSync(join(REPO_ROOT, 'nodes', 'locales', 'en-US', `${type}.html`), 'utf8');
      assert.match(help, new RegExp(`data-help-name="${type}"`), 'help text in locales/en-US');
    });
  }
});
