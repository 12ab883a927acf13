/**
 * Seed data: users, the node tree and category definitions the simulator starts with. The default
 * seed is compiled in (tsc does not copy JSON files into dist); other seeds load from a JSON file of
 * the same shape (`npm run sim:cs -- --print-seed` prints the default as a starting point).
 */
import { readFileSync } from 'node:fs';

export type AttributeType = 'string' | 'integer' | 'real' | 'date' | 'boolean';

export interface SeedAttribute {
  id: number;
  name: string;
  type: AttributeType;
  required?: boolean;
  max_length?: number;
  /** Multi-value: accepts arrays of up to this many values. */
  max_values?: number;
  valid_values?: string[];
}

export interface SeedCategory {
  id: number;
  name: string;
  parent_id: number;
  attributes: SeedAttribute[];
}

export interface SeedUser {
  id: number;
  name: string;
  password: string;
  first_name?: string;
  last_name?: string;
}

export interface SeedNode {
  id: number;
  parent_id: number;
  name: string;
  type: number;
  description?: string;
  /** Business workspaces (type 848) only: their workspace type and business object. */
  workspace?: { type_id: number; ext_system_id: string; bo_type: string; bo_id: string };
  /** Applied categories by category id, values by flat key `{cat}_{attr}` (checked like API input). */
  categories?: Record<string, Record<string, string | number | boolean | null>>;
}

export interface SeedGroup {
  id: number;
  name: string;
  members: number[];
}

export interface SeedHold {
  id: number;
  name: string;
  type: string;
  active?: boolean;
}

export interface SeedWorkspaceType {
  id: number;
  name: string;
  template_id: number;
  /** Where new workspaces of this type go when no parent_id is given. */
  location_id: number;
  ext_system_id: string;
  bo_type: string;
  /** Naming rule applied by the server: `{name}` and `{bo_id}` are replaced. */
  name_pattern?: string;
}

export interface SeedOtdsClient {
  client_id: string;
  client_secret: string;
  /** The Content Server user the client's tokens act as. */
  user_id: number;
}

export interface Seed {
  users: SeedUser[];
  nodes: SeedNode[];
  categories: SeedCategory[];
  groups?: SeedGroup[];
  holds?: SeedHold[];
  workspaceTypes?: SeedWorkspaceType[];
  otdsClients?: SeedOtdsClient[];
}

export const DEFAULT_SEED: Seed = {
  users: [
    { id: 1000, name: 'Admin', password: 'livelink', first_name: 'Admin', last_name: '' },
    { id: 1001, name: 'jdoe', password: 'jdoe-pass', first_name: 'Jane', last_name: 'Doe' },
    { id: 1002, name: 'msmith', password: 'msmith-pass', first_name: 'Mary', last_name: 'Smith' },
  ],
  nodes: [
    { id: 2000, parent_id: -1, name: 'Enterprise Workspace', type: 141 },
    { id: 2006, parent_id: -1, name: 'Categories Volume', type: 133 },
    { id: 2100, parent_id: 2000, name: 'Partners', type: 0 },
    { id: 2101, parent_id: 2100, name: 'ACME', type: 0 },
    { id: 2102, parent_id: 2100, name: 'Globex', type: 0 },
    { id: 2200, parent_id: 2000, name: 'Inbound', type: 0 },
    { id: 2300, parent_id: 2000, name: 'Archive', type: 0 },
    { id: 2400, parent_id: 2000, name: 'Workflows', type: 0 },
    { id: 2401, parent_id: 2400, name: 'Invoice Approval', type: 128 },
    { id: 2402, parent_id: 2400, name: 'Contract Review', type: 128 },
    { id: 2450, parent_id: 2000, name: 'Customers', type: 0 },
    // A few workspaces of type "Customer", as a template would have made them (names avoid the
    // ones tests create: ACME, Globex).
    {
      id: 2451,
      parent_id: 2450,
      name: 'Initech (0000100010)',
      type: 848,
      workspace: { type_id: 10, ext_system_id: 'SAP', bo_type: 'KNA1', bo_id: '0000100010' },
    },
    {
      id: 2452,
      parent_id: 2450,
      name: 'Umbrella Corp (0000100020)',
      type: 848,
      workspace: { type_id: 10, ext_system_id: 'SAP', bo_type: 'KNA1', bo_id: '0000100020' },
    },
    {
      id: 2453,
      parent_id: 2450,
      name: 'Stark Industries (0000100030)',
      type: 848,
      workspace: { type_id: 10, ext_system_id: 'SAP', bo_type: 'KNA1', bo_id: '0000100030' },
    },
    // Folders carry the categories their documents get, so flows can name them (`categoryTemplates`).
    { id: 2461, parent_id: 2451, name: 'Invoices', type: 0, categories: { '9830': {} } },
    { id: 2462, parent_id: 2451, name: 'Contracts', type: 0 },
    { id: 2463, parent_id: 2452, name: 'Invoices', type: 0, categories: { '9830': {} } },
    { id: 2464, parent_id: 2452, name: 'Contracts', type: 0 },
    { id: 2465, parent_id: 2453, name: 'Invoices', type: 0, categories: { '9830': {} } },
    { id: 2466, parent_id: 2453, name: 'Contracts', type: 0 },
    {
      id: 2470,
      parent_id: 2000,
      name: 'Metadata Templates',
      type: 0,
      description: 'Carries the Invoice and Contract categories: a category template for flows',
      categories: { '9830': { '9830_5': 'Draft' }, '9840': { '9840_2': 'TEMPLATE' } },
    },
    // Daily drops are archived below Records with their transfer history; QC reports go to Compliance.
    { id: 2480, parent_id: 2000, name: 'Records', type: 0, categories: { '9850': {} } },
    { id: 2490, parent_id: 2000, name: 'Compliance', type: 0, categories: { '9860': {} } },
    // The round-trip examples: documents released to partners, and contracts out for signature.
    { id: 2600, parent_id: 2000, name: 'Regulated', type: 0 },
    { id: 2601, parent_id: 2600, name: 'Release to partner', type: 0 },
    { id: 2602, parent_id: 2600, name: 'Out for signature', type: 0 },
    { id: 2610, parent_id: 2000, name: 'Legal', type: 0 },
    { id: 2611, parent_id: 2610, name: 'Contracts', type: 0, categories: { '9840': { '9840_2': 'TEMPLATE', '9840_6': false } } },
    { id: 2500, parent_id: -1, name: 'Classifications', type: 198 },
    { id: 2501, parent_id: 2500, name: 'Finance', type: 551 },
    { id: 2502, parent_id: 2501, name: 'Invoices', type: 551 },
    { id: 2503, parent_id: 2501, name: 'Contracts', type: 551 },
    { id: 2510, parent_id: 2500, name: 'Operations', type: 551 },
    { id: 2511, parent_id: 2510, name: 'Shipments', type: 551 },
    { id: 2512, parent_id: 2500, name: 'Quality', type: 551 },
    { id: 2513, parent_id: 2512, name: 'Compliance Reports', type: 551 },
  ],
  groups: [
    { id: 2001, name: 'DefaultGroup', members: [1000, 1001] },
    { id: 2002, name: 'Finance', members: [1001] },
    { id: 2003, name: 'Legal', members: [1002] },
    { id: 2004, name: 'Partners', members: [1002] },
  ],
  holds: [
    { id: 1, name: 'Litigation ACME 2026', type: 'Legal', active: true },
    { id: 2, name: 'Tax Audit', type: 'Audit', active: true },
  ],
  workspaceTypes: [{ id: 10, name: 'Customer', template_id: 3001, location_id: 2450, ext_system_id: 'SAP', bo_type: 'KNA1', name_pattern: '{name} ({bo_id})' }],
  otdsClients: [{ client_id: 'filebridge', client_secret: 'filebridge-secret', user_id: 1000 }],
  categories: [
    {
      id: 9830,
      name: 'Invoice',
      parent_id: 2006,
      attributes: [
        { id: 2, name: 'Vendor', type: 'string', max_length: 64 },
        { id: 3, name: 'Amount', type: 'real' },
        { id: 4, name: 'Invoice Date', type: 'date' },
        { id: 5, name: 'Status', type: 'string', max_length: 32, valid_values: ['Draft', 'Approved', 'Paid', 'Rejected'] },
      ],
    },
    {
      id: 9840,
      name: 'Contract',
      parent_id: 2006,
      attributes: [
        { id: 2, name: 'Contract Number', type: 'string', max_length: 32, required: true },
        { id: 3, name: 'Parties', type: 'string', max_values: 10 },
        { id: 4, name: 'Start Date', type: 'date' },
        { id: 5, name: 'Value', type: 'integer' },
        { id: 6, name: 'Signed', type: 'boolean' },
      ],
    },
    {
      id: 9850,
      name: 'Transfer Record',
      parent_id: 2006,
      attributes: [
        { id: 2, name: 'Source Host', type: 'string', max_length: 255 },
        { id: 3, name: 'Source Path', type: 'string', max_length: 1024 },
        { id: 4, name: 'Size', type: 'integer' },
        { id: 5, name: 'SHA-256', type: 'string', max_length: 64 },
        { id: 6, name: 'Transferred At', type: 'string', max_length: 32 },
        { id: 7, name: 'Protocol', type: 'string', max_length: 16 },
      ],
    },
    {
      id: 9860,
      name: 'Compliance Report',
      parent_id: 2006,
      attributes: [
        { id: 2, name: 'Report Type', type: 'string', max_length: 64 },
        { id: 3, name: 'Period', type: 'string', max_length: 7 },
        { id: 4, name: 'Period Start', type: 'date' },
        { id: 5, name: 'Source System', type: 'string', max_length: 64 },
      ],
    },
  ],
};

export function loadSeed(file: string): Seed {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Seed>;
  if (!Array.isArray(parsed.users) || !Array.isArray(parsed.nodes) || !Array.isArray(parsed.categories)) {
    throw new Error(`${file}: a seed needs "users", "nodes" and "categories" arrays`);
  }
  return { ...parsed, users: parsed.users, nodes: parsed.nodes, categories: parsed.categories };
}
