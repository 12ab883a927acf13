import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './runtimes';

/** Every example file, relative to `examples/`. */
export function exampleFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.json')) found.push(relative(join(REPO_ROOT, 'examples'), full));
    }
  };
  walk(join(REPO_ROOT, 'examples'));
  return found.sort();
}
