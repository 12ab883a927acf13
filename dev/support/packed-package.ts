import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/** From build/dev/support back to the repository. */
const REPO_ROOT = resolve(__dirname, '..', '..', '..');
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

/** The user directory each tarball was first installed into, once per test process (see installIntoUserDir). */
const installed = new Map<string, Promise<string>>();

/** A user directory with the tarball installed by npm, the way the palette manager would. */
async function npmInstall(tarball: string, userDir: string): Promise<void> {
  await mkdir(userDir, { recursive: true });
  await writeFile(join(userDir, 'package.json'), JSON.stringify({ name: 'filebridge-user-dir', version: '1.0.0', private: true }));
  await run('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', tarball], { cwd: userDir, timeout: 300_000 });
}

/**
 * A fresh Node-RED user directory with the tarball installed the way the palette manager would.
 * `npm install` runs once per tarball and test process (6 s on an idle CI machine, 20 s on a busy one);
 * later callers get a copy of that installed directory (1-2 s), the same files, in a
 * directory of their own. `fresh` runs npm install into `userDir` itself (the test of the install).
 */
export async function installIntoUserDir(tarball: string, userDir: string, options: { fresh?: boolean } = {}): Promise<void> {
  if (options.fresh) return npmInstall(tarball, userDir);
  let template = installed.get(tarball);
  if (!template) {
    template = (async () => {
      const dir = mkdtempSync(join(tmpdir(), 'filebridge-installed-'));
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
      await npmInstall(tarball, join(dir, 'user'));
      return join(dir, 'user');
    })();
    installed.set(tarball, template);
    // A failed install is not cached: the next caller tries again.
    template.catch(() => installed.delete(tarball));
  }
  await cp(await template, userDir, { recursive: true, verbatimSymlinks: true, errorOnExist: true, force: false });
}
