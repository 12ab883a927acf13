import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { REPO_ROOT } from './runtimes';

/** A node's editor file, `nodes/<type>.html`. */
export function editorHtml(type: string): string {
  return readFileSync(join(REPO_ROOT, 'nodes', `${type}.html`), 'utf8');
}

/**
 * The inline registration of a node's .html file (its one `text/javascript` block without `src`):
 * `FileBridgeEditor.registerType('<type>', { palette facts })`.
 */
export function registrationScript(type: string): string {
  const blocks = [...editorHtml(type).matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  assert.equal(blocks.length, 1, `${type}.html has one inline editor script`);
  return blocks[0];
}

/** The editor's TypeScript source `src/editor/<path>` (with `.ts` added when missing). */
function editorSource(path: string): string {
  return readFileSync(join(REPO_ROOT, 'src', 'editor', path.endsWith('.ts') ? path : `${path}.ts`), 'utf8');
}

/**
 * `src/editor/<type>.ts` and the package's own modules it imports, in import order, each once
 * (relative imports; type declarations `.d.ts` are not code).
 */
export function editorModules(type: string): { path: string; text: string }[] {
  const modules: { path: string; text: string }[] = [];
  const visit = (path: string): void => {
    if (modules.some((m) => m.path === path)) return;
    const text = editorSource(path);
    modules.push({ path, text });
    for (const m of text.matchAll(/^import\s[^'"]*?from\s+'(\.{1,2}\/[^']+)';/gm)) {
      const next = join(dirname(path), m[1]);
      if (existsSync(resolve(REPO_ROOT, 'src', 'editor', `${next}.ts`))) visit(`${next}.ts`);
    }
  };
  visit(`${type}.ts`);
  return modules;
}

/**
 * Everything the editor runs for a node: the HTML's inline registration (with the palette facts),
 * then the TypeScript module of the type and what it imports (built into its resources bundle).
 */
export function editorScript(type: string): string {
  return [registrationScript(type), ...editorModules(type).map((m) => m.text)].join('\n');
}

/** Config nodes (category 'config') have no palette entry, no ports and a shorter help. */
export function isConfigType(type: string): boolean {
  return /\bcategory:\s*'config'/.test(registrationScript(type));
}
