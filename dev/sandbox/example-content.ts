/**
 * Documents the Content Server -> FTP/SFTP/Dropbox examples select, filed into the sandbox's simulator at
 * start, so each export example has something to send the moment it runs. Folders and category
 * values follow each example's cs-export settings (folder, filter category/attribute/value).
 */
import { Readable } from 'node:stream';
import { ContentServerClient } from '../../src/core/content-server';
import { minimalPdf } from './example-samples';
import type { ContentServerTarget } from './flows';

export interface SeedDocument {
  /** The example(s) that pick it up. */
  for: string;
  folder: string;
  name: string;
  categories?: Record<string, Record<string, string | number | boolean | string[]>>;
}

/** The seeded "Metadata Templates" folder carrying Invoice and Contract, so any document can get them. */
const CATEGORY_TEMPLATES = 2470;

export const SEED_DOCUMENTS: readonly SeedDocument[] = [
  {
    for: 'ftp-cs-02',
    folder: 'Enterprise:Partners/ACME',
    name: 'INV-0040.pdf',
    categories: { Invoice: { Vendor: 'ACME', Status: 'Approved', Amount: 1250.5 } },
  },
  {
    for: 'ftp-cs-02',
    folder: 'Enterprise:Partners/ACME/2026',
    name: 'INV-0041.pdf',
    categories: { Invoice: { Vendor: 'ACME', Status: 'Approved', Amount: 980 } },
  },
  {
    for: 'ftp-cs-02 (left out: Draft)',
    folder: 'Enterprise:Partners/ACME',
    name: 'INV-0039 draft.pdf',
    categories: { Invoice: { Vendor: 'ACME', Status: 'Draft' } },
  },
  {
    for: 'sftp-cs-08, ftp-cs-02',
    folder: 'Enterprise:Partners/ACME/Outbound',
    name: 'INV-0042.pdf',
    categories: { Invoice: { Vendor: 'ACME', Status: 'Approved', Amount: 4200 } },
  },
  { for: 'ftp-cs-06', folder: 'Enterprise:Archive', name: 'INV-7001.pdf', categories: { Invoice: { Vendor: 'ACME', Status: 'Paid', Amount: 310 } } },
  {
    for: 'ftp-cs-06',
    folder: 'Enterprise:Archive/Suppliers/Globex',
    name: 'INV-7002.pdf',
    categories: { Invoice: { Vendor: 'Globex', Status: 'Paid', Amount: 77.9 } },
  },
  { for: 'sftp-cs-02', folder: 'Enterprise:Partners/Globex', name: 'Price list 2026.pdf' },
  { for: 'sftp-cs-02', folder: 'Enterprise:Partners/Globex/Datasheets', name: 'Datasheet X100.pdf' },
  { for: 'sftp-cs-06', folder: '2451:Contracts', name: 'Initech service agreement.pdf' },
  { for: 'sftp-cs-06', folder: '2451:Correspondence', name: 'Welcome letter.pdf' },
  { for: 'ftp-cs-04', folder: 'Enterprise:Regulated/Release to partner', name: 'SOP-017 Batch release.pdf' },
  {
    for: 'sftp-cs-04',
    folder: 'Enterprise:Legal/Contracts',
    name: 'Contract ACME.pdf',
    categories: { Contract: { 'Contract Number': 'MSA-2026-017', Parties: ['ACME'], Signed: false } },
  },
  { for: 'dbx-cs-02', folder: 'Enterprise:Partners/ACME/Dropbox release', name: 'Terminal spec.pdf' },
  { for: 'dbx-cs-02', folder: 'Enterprise:Partners/ACME/Dropbox release/Drawings', name: 'Drawing 01.pdf' },
  { for: 'dbx-cs-05', folder: 'Enterprise:Partners/Globex/Dropbox sync', name: 'Spec X100.pdf' },
];

/** Files `SEED_DOCUMENTS` into the simulator; returns the ids by `folder/name`. */
export async function seedExampleContent(target: ContentServerTarget): Promise<Map<string, number>> {
  const client = new ContentServerClient({
    baseUrl: target.baseUrl,
    auth: { kind: 'password', username: target.username, password: target.password },
    categoryTemplates: [CATEGORY_TEMPLATES],
  });
  const ids = new Map<string, number>();
  try {
    for (const doc of SEED_DOCUMENTS) {
      const body = minimalPdf(`${doc.name} (sandbox document for ${doc.for})`);
      const result = await client.upload({
        target: doc.folder,
        name: doc.name,
        createFolders: true,
        collision: 'skip-identical',
        open: () => Readable.from([body]),
        size: body.length,
        categories: doc.categories,
      });
      ids.set(`${doc.folder}/${doc.name}`, result.id);
    }
  } finally {
    await client.close();
  }
  return ids;
}
