import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './runtimes';

const run = promisify(execFile);

/** Packs the package as npm publishes it; returns the tarball's path and the files it holds. */
export async function packPackage(destination: string): Promise<{ tarball: string; files: string[] }> {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', destination], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
  const packed = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  return { tarball: join(destination, packed[0].filename), files: packed[0].files.map((f) => f.path) };
}

/** A fresh Node-RED user directory with the tarball installed the way the palette manager would. */
export async function installIntoUserDir(tarball: string, userDir: string): Promise<void> {
  await mkdir(userDir, { recursive: true });
  await writeFile(join(userDir, 'package.json'), JSON.stringify({ name: 'filebridge-user-dir', version: '1.0.0', private: true }));
  await run('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', tarball], { cwd: userDir, timeout: 300_000 });
}
