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
}

export interface Seed {
  users: SeedUser[];
  nodes: SeedNode[];
  categories: SeedCategory[];
}

export const DEFAULT_SEED: Seed = {
  users: [
    { id: 1000, name: 'Admin', password: 'livelink', first_name: 'Admin', last_name: '' },
    { id: 1001, name: 'jdoe', password: 'jdoe-pass', first_name: 'Jane', last_name: 'Doe' },
  ],
  nodes: [
    { id: 2000, parent_id: -1, name: 'Enterprise Workspace', type: 141 },
    { id: 2006, parent_id: -1, name: 'Categories Volume', type: 133 },
    { id: 2100, parent_id: 2000, name: 'Partners', type: 0 },
    { id: 2101, parent_id: 2100, name: 'ACME', type: 0 },
    { id: 2102, parent_id: 2100, name: 'Globex', type: 0 },
    { id: 2200, parent_id: 2000, name: 'Inbound', type: 0 },
    { id: 2300, parent_id: 2000, name: 'Archive', type: 0 },
  ],
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
  ],
};

export function loadSeed(file: string): Seed {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Seed>;
  if (!Array.isArray(parsed.users) || !Array.isArray(parsed.nodes) || !Array.isArray(parsed.categories)) {
    throw new Error(`${file}: a seed needs "users", "nodes" and "categories" arrays`);
  }
  return { users: parsed.users, nodes: parsed.nodes, categories: parsed.categories };
}
