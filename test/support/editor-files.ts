import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './runtimes';

/** A node's editor file, `nodes/<type>.html`. */
export function editorHtml(type: string): string {
  return readFileSync(join(REPO_ROOT, 'nodes', `${type}.html`), 'utf8');
}

/** The editor script of a node's .html file (its one `text/javascript` block). */
export function editorScript(type: string): string {
  const blocks = [...editorHtml(type).matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  assert.equal(blocks.length, 1, `${type}.html has one editor script`);
  return blocks[0];
}

/** Config nodes (category 'config') have no palette entry, no ports and a shorter help. */
export function isConfigType(type: string): boolean {
  return /\bcategory:\s*'config'/.test(editorScript(type));
}
