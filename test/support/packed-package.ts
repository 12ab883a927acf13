import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './runtimes';

const run = promisify(execFile);

export interface PackedPackage {
  tarball: string;
  /** The paths the tarball holds, as `npm pack --json` lists them. */
  files: string[];
}

let packed: Promise<PackedPackage> | undefined;

/**
 * The package as npm publishes it, packed once per test process: the load, admin and browser tests
 * all install the same tarball, and each `npm pack` costs seconds.
 */
export function packPackage(): Promise<PackedPackage> {
  packed ??= (async () => {
    const destination = mkdtempSync(join(tmpdir(), 'filebridge-pack-'));
    process.once('exit', () => rmSync(destination, { recursive: true, force: true }));
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', destination], {
      cwd: REPO_ROOT,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 300_000,
    });
    const list = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    return { tarball: join(destination, list[0].filename), files: list[0].files.map((f) => f.path) };
  })();
  // A failed pack is not cached: the next caller gets the error again instead of a stale promise.
  packed.catch(() => {
    packed = undefined;
  });
  return packed;
}

/** A fresh Node-RED user directory with the tarball installed the way the palette manager would. */
export async function installIntoUserDir(tarball: string, userDir: string): Promise<void> {
  await mkdir(userDir, { recursive: true });
  await writeFile(join(userDir, 'package.json'), JSON.stringify({ name: 'filebridge-user-dir', version: '1.0.0', private: true }));
  await run('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', tarball], { cwd: userDir, timeout: 300_000 });
}
