/**
 * The editor code lives in src/editor/ and reaches the browser as resources of the package: each
 * node's HTML loads its own bundle (and the shared stylesheet when its dialog uses it) before its
 * inline registration runs, and loads nothing another node's HTML provides.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../support/runtimes';
import { editorHtml, editorModules } from '../../support/editor-files';

const MODULE = 'node-red-contrib-ecm-filebridge';
const STYLESHEET = 'filebridge-editor.css';
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { files: string[]; 'node-red': { nodes: Record<string, string> } };
const types = Object.keys(pkg['node-red'].nodes);

/** `<script src>` and `<link href>` of an HTML file that point into the package's resources. */
function loads(html: string): { scripts: string[]; stylesheets: string[] } {
  return {
    scripts: [...html.matchAll(/<script\b[^>]*\bsrc="([^"]*)"[^>]*>/g)].map((m) => m[1]),
    stylesheets: [...html.matchAll(/<link\b[^>]*\bhref="([^"]*)"[^>]*>/g)].map((m) => m[1]),
  };
}

describe('editor resources: each HTML loads its own bundle from resources/ (offline)', () => {
  it('package.json ships resources/', () => {
    assert.ok(pkg.files.includes('resources'), `"files": ${JSON.stringify(pkg.files)}`);
  });

  for (const type of types) {
    it(`${type}.html loads resources/${MODULE}/${type}.js before its inline registration, and nothing else of another node`, () => {
      const html = editorHtml(type);
      const { scripts, stylesheets } = loads(html);
      // Relative, as Node-RED wants it: the editor loads such a script before the module's inline ones.
      assert.deepEqual(scripts, [`resources/${MODULE}/${type}.js`], 'the one script the HTML loads');
      const tag = html.indexOf(`<script type="text/javascript" src="resources/${MODULE}/${type}.js"></script>`);
      const inline = html.indexOf(`FileBridgeEditor.registerType('${type}'`);
      assert.ok(tag >= 0 && inline > tag, 'a text/javascript script tag for the bundle, ahead of the inline registration');
      assert.doesNotMatch(html, /<style\b/, 'no CSS of its own: the dialogs share one stylesheet');
      const styled = /class="[^"]*\bfilebridge-dialog\b/.test(html);
      assert.deepEqual(
        stylesheets,
        styled ? [`resources/${MODULE}/${STYLESHEET}`] : [],
        styled ? 'its dialog uses the shared stylesheet: it links it' : 'its dialog uses no stylesheet: it links none',
      );
    });

    it(`src/editor/${type}.ts defines the editor of ${type}, and npm run build made resources/${type}.js of it`, () => {
      const [own] = editorModules(type);
      assert.match(own.text, new RegExp(`\\bdefineEditor(?:<[^>]*>)?\\('${type}'`), `src/editor/${type}.ts calls defineEditor('${type}', ...)`);
      const bundle = join(REPO_ROOT, 'resources', `${type}.js`);
      assert.ok(existsSync(bundle), `${bundle} is missing: run npm run build`);
      const code = readFileSync(bundle, 'utf8');
      assert.match(code, new RegExp(`defineEditor\\("${type}"`), 'the bundle defines this type');
      // The bundle is an IIFE: the only global it leaves is window.FileBridgeEditor.
      assert.match(code.trim(), /^"use strict";\s*\(\(\) => \{[\s\S]*\}\)\(\);$/, 'an IIFE');
      assert.doesNotMatch(code, /\bwindow\.FileBridgeCsPicker\b|\brequire\(|\bimport\b/, 'no CommonJS, ES import or picker global');
    });
  }

  it(`resources/ holds the bundles and ${STYLESHEET}, and nothing no HTML loads`, () => {
    const built = readdirSync(join(REPO_ROOT, 'resources')).sort();
    const wanted = [...types.map((t) => `${t}.js`), STYLESHEET].sort();
    assert.deepEqual(built, wanted);
  });
});
