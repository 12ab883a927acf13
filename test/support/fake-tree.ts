import { posix } from 'node:path';

/** The files and folders a test harness server pretends to hold: `files` by absolute path, their folders, and `extraFolder`. */
export function fakeTree(files: Record<string, string>, extraFolder: string): { tree: Map<string, Buffer>; folders: Set<string> } {
  const tree = new Map<string, Buffer>();
  const folders = new Set<string>(['/']);
  const addFolders = (path: string): void => {
    for (let dir = posix.dirname(path); !folders.has(dir); dir = posix.dirname(dir)) folders.add(dir);
  };
  for (const [path, data] of Object.entries(files)) {
    tree.set(path, Buffer.from(data));
    addFolders(path);
  }
  folders.add(extraFolder);
  addFolders(extraFolder);
  return { tree, folders };
}
