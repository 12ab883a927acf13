import { chown, lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/**
 * Direct access to the test user's home folder, for arranging and checking files around a test.
 * Everything created is chown'ed to the test user: the servers run file operations as that user and
 * could not rename or delete root-owned files.
 */
export class LocalHome {
  constructor(
    readonly root: string,
    private readonly uid: number,
    private readonly gid: number,
  ) {}

  /** Absolute local path for a path relative to the home; refuses anything that would leave it. */
  path(relPath: string): string {
    if (isAbsolute(relPath)) throw new Error(`Expected a path relative to the test home, got ${relPath}`);
    const full = resolve(this.root, relPath);
    const rel = relative(this.root, full);
    if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) throw new Error(`Path ${relPath} leaves the test home`);
    return full;
  }

  async writeFile(relPath: string, data: string | Uint8Array): Promise<void> {
    const full = this.path(relPath);
    await this.mkdirp(relative(this.root, resolve(full, '..')));
    await writeFile(full, data);
    await this.own(full);
  }

  async readFile(relPath: string): Promise<Buffer> {
    return readFile(this.path(relPath));
  }

  async exists(relPath: string): Promise<boolean> {
    try {
      await lstat(this.path(relPath));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /** Creates a folder and its missing parents, each owned by the test user. */
  async mkdirp(relPath: string): Promise<void> {
    const full = this.path(relPath);
    if (full === this.root) return;
    const parts = relative(this.root, full).split(sep);
    let current = this.root;
    for (const part of parts) {
      current = join(current, part);
      try {
        await mkdir(current, { mode: 0o755 });
        await this.own(current);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  }

  /** Deletes a file or a whole folder tree; a missing path is fine. */
  async remove(relPath: string): Promise<void> {
    const full = this.path(relPath);
    if (full === this.root) throw new Error('Refusing to remove the test home itself; use clear()');
    await rm(full, { recursive: true, force: true });
  }

  /** Empties the home folder (the folder itself stays). */
  async clear(): Promise<void> {
    for (const entry of await readdir(this.root)) await rm(join(this.root, entry), { recursive: true, force: true });
  }

  private async own(full: string): Promise<void> {
    if (process.getuid?.() === 0) await chown(full, this.uid, this.gid);
  }
}
