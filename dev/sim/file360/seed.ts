/**
 * A small company: the signed-in user's folders Marketing, Suppliers (with ACME), Audit and
 * Exceptions, a few documents, colleagues and partners as users, and the groups Retail Partners,
 * Auditors and Supplier ACME. Audit is already shared with the Auditors (viewer).
 */
import type { File360Store, User } from './store';

export interface Seeded {
  user: User;
  folders: Record<'Marketing' | 'Suppliers' | 'ACME' | 'Audit' | 'Exceptions', string>;
}

export const SEED_FOLDERS = ['Marketing', 'Suppliers', 'Suppliers/ACME', 'Audit', 'Exceptions'] as const;
export const SEED_GROUPS = ['Retail Partners', 'Auditors', 'Supplier ACME'] as const;

export function seed(store: File360Store, email: string): Seeded {
  const user = store.addUser({ email, firstName: 'Sam', lastName: 'Simmons', title: 'Integration Service User', company: 'Filebridge Demo Ltd' });
  const ada = store.addUser({
    email: 'ada.auditor@example.com',
    firstName: 'Ada',
    lastName: 'Auditor',
    title: 'Internal Auditor',
    company: 'Filebridge Demo Ltd',
  });
  const mia = store.addUser({
    email: 'mia.marketing@example.com',
    firstName: 'Mia',
    lastName: 'Marketing',
    title: 'Brand Manager',
    company: 'Filebridge Demo Ltd',
  });
  const paul = store.addUser({ email: 'paul.partner@retail.example', firstName: 'Paul', lastName: 'Partner', title: 'Buyer', company: 'Retail Partner GmbH' });
  const rita = store.addUser({
    email: 'rita.retail@retail.example',
    firstName: 'Rita',
    lastName: 'Retail',
    title: 'Category Lead',
    company: 'Retail Partner GmbH',
  });
  const alice = store.addUser({ email: 'alice.acme@acme.example', firstName: 'Alice', lastName: 'Acme', title: 'Key Account Manager', company: 'ACME Corp' });
  void mia;
  store.addGroup('Retail Partners', 'Buyers of our retail partners', [paul.id, rita.id]);
  const auditors = store.addGroup('Auditors', 'Internal and external auditors', [ada.id]);
  store.addGroup('Supplier ACME', 'People at the supplier ACME Corp', [alice.id]);

  const root = user.rootId;
  const marketing = store.addFolder(root, 'Marketing', user.id);
  const suppliers = store.addFolder(root, 'Suppliers', user.id);
  const acme = store.addFolder(suppliers.id, 'ACME', user.id);
  const audit = store.addFolder(root, 'Audit', user.id);
  const exceptions = store.addFolder(root, 'Exceptions', user.id);
  store.putBytes(marketing.id, 'Brand Guide.txt', user.id, Buffer.from('Use the logo on white. Never stretch it.\n'));
  store.putBytes(acme.id, 'Price List 2026.csv', user.id, Buffer.from('sku,price\nA-100,12.50\nA-200,7.95\n'));
  audit.collaborators.set(auditors.id, { id: auditors.id, type: 'group', role: 'viewer' });
  return { user, folders: { Marketing: marketing.id, Suppliers: suppliers.id, ACME: acme.id, Audit: audit.id, Exceptions: exceptions.id } };
}
