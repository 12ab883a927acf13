/** The default account and folders: a personal home and a team space with team folders. */
import { writeFileSync } from 'node:fs';
import { ContentHasher } from './content-hash';
import type { DropboxStore, Namespace } from './store';

export const HOME_NAMESPACE_ID = '1000001';
export const TEAM_ROOT_NAMESPACE_ID = '2000001';

export const DEFAULT_ACCOUNT = {
  // users.stone AccountId is exactly 40 characters.
  accountId: 'dbid:AAD5imUser0000000000000000000000000',
  uid: '424242',
  displayName: 'Sim User',
  givenName: 'Sim',
  surname: 'User',
  email: 'sim.user@example.com',
  teamName: 'Sim Team',
  teamId: 'dbtid:AADsimteam000000000000000000000000',
  teamMemberId: 'dbmid:AADsimmember0000000000000000000000',
};

export const HOME_FOLDERS = ['/Clients', '/Clients/ACME', '/Clients/Globex', '/Approved', '/Publish', '/Inbox', '/Archive'];
export const TEAM_FOLDERS = ['/Finance', '/Finance/Invoices', '/Legal', '/Legal/Contracts', '/Projects'];

function seedFile(store: DropboxStore, ns: Namespace, path: string, text: string): void {
  const file = store.tmpFile();
  const bytes = Buffer.from(text, 'utf8');
  writeFileSync(file, bytes);
  const h = new ContentHasher();
  h.update(bytes);
  store.commitFile(ns, path, { file, size: bytes.length, contentHash: h.hex() }, { tag: 'add' }, false, '2026-01-05T09:00:00Z');
}

export function seed(store: DropboxStore, home: Namespace, teamRoot: Namespace | undefined): void {
  for (const f of HOME_FOLDERS) store.createFolder(home, f, false);
  seedFile(store, home, '/Clients/ACME/Welcome.txt', 'Welcome to the ACME exchange folder.\n');
  if (!teamRoot) return;
  for (const f of TEAM_FOLDERS) store.createFolder(teamRoot, f, false);
  seedFile(store, teamRoot, '/Finance/Invoices/INV-2026-001.txt', 'Invoice INV-2026-001, ACME, 1200.00 EUR\n');
  seedFile(store, teamRoot, '/Legal/Contracts/NDA ACME.txt', 'Mutual NDA between ACME and Sim Team.\n');
  seedFile(store, teamRoot, '/Projects/Plan.md', '# Project plan\n');
}
