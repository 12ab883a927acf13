import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

import type { Runtime } from '../../dev/sandbox/node-red-process';

export type { Runtime };

/**
 * Node 22 for Node-RED 5 comes from the npm registry's per-platform `node-<os>-<arch>` package
 * (it ships the binary itself, no install script), cached under node_modules/.cache.
 */
export async function node22(): Promise<string> {
  const dir = join(REPO_ROOT, 'node_modules', '.cache', 'filebridge-node22');
  const pkg = `node-${process.platform}-${process.arch}`;
  const bin = join(dir, 'node_modules', pkg, 'bin', 'node');
  if (!existsSync(bin)) {
    await mkdir(dir, { recursive: true });
    await run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', dir, `${pkg}@22`], { timeout: 300_000 });
  }
  const { stdout } = await run(bin, ['--version']);
  if (!/^v22\./.test(stdout.trim())) throw new Error(`Expected Node 22 at ${bin}, got ${stdout.trim()}`);
  return bin;
}

export async function runtimes(): Promise<Runtime[]> {
  return [
    { label: 'Node-RED 4.1 on Node 20', node: process.execPath, redJs: require.resolve('node-red/red.js') },
    { label: 'Node-RED 5 on Node 22', node: await node22(), redJs: require.resolve('node-red-5/red.js') },
  ];
}
