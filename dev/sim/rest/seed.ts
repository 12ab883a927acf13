/**
 * The seeded, read-mostly data: products (stored like posted ones), and generated lists for prices,
 * inventory changes, shipments and partners, all deterministic (the same options give the same data)
 * so tests can count what a paging client must see.
 */
import type { SimRecord } from './records';

export interface RestSeed {
  /** Seeded products `SKU-00001`... (default 50). */
  products?: number;
  /** Price rows (default 120). */
  prices?: number;
  /** Inventory change rows (default 250). */
  inventoryChanges?: number;
  /** Shipments (default 45; statuses cycle shipped, delivered, pending). */
  shipments?: number;
  /** Partners (default 23). */
  partners?: number;
}

export type SeedCounts = Required<RestSeed>;

export function seedCounts(seed: RestSeed = {}): SeedCounts {
  const n = (v: number | undefined, d: number): number => {
    const x = v ?? d;
    if (!Number.isInteger(x) || x < 0 || x > 10_000_000) throw new Error('seed counts must be integers from 0 to 10,000,000');
    return x;
  };
  return {
    products: n(seed.products, 50),
    prices: n(seed.prices, 120),
    inventoryChanges: n(seed.inventoryChanges, 250),
    shipments: n(seed.shipments, 45),
    partners: n(seed.partners, 23),
  };
}

const CATEGORIES = ['tools', 'garden', 'kitchen', 'office', 'outdoor'];
const WAREHOUSES = ['BER-1', 'HAM-2', 'MUC-3'];
const CARRIERS = ['DHL', 'UPS', 'DPD', 'GLS'];
const FORMATS = ['csv', 'json', 'jsonl'];
export const SHIPMENT_STATUSES = ['shipped', 'delivered', 'pending'] as const;
const BASE = Date.UTC(2026, 0, 1);
const day = (i: number): string => new Date(BASE + i * 86_400_000).toISOString().slice(0, 10);
const at = (i: number): string => new Date(BASE + i * 60_000).toISOString();

export const seedSku = (i: number): string => `SKU-${String(i + 1).padStart(5, '0')}`;

export function seedProduct(i: number): SimRecord {
  return {
    sku: seedSku(i),
    name: `Product ${i + 1}`,
    price: Math.round(((i * 37) % 1000) * 100 + 99) / 100,
    currency: 'EUR',
    category: CATEGORIES[i % CATEGORIES.length],
    updatedAt: at(i),
  };
}

export function price(i: number, products: number): SimRecord {
  return { sku: seedSku(i % Math.max(1, products)), price: Math.round((10 + ((i * 53) % 900)) * 100 + 49) / 100, currency: 'EUR', validFrom: day(i % 365) };
}

export function inventoryChange(i: number, products: number): SimRecord {
  return { sku: seedSku(i % Math.max(1, products)), warehouse: WAREHOUSES[i % WAREHOUSES.length], quantity: (i * 7) % 120, changedAt: at(i) };
}

export function shipment(i: number): SimRecord & { status: string } {
  const lines = (i % 3) + 1;
  return {
    id: `SHP-${String(i + 1).padStart(5, '0')}`,
    orderId: `ORD-${String(10_000 + i)}`,
    carrier: CARRIERS[i % CARRIERS.length],
    trackingNumber: `TRK${String(1_000_000 + i * 17)}`,
    shippedAt: at(i * 30),
    status: SHIPMENT_STATUSES[i % SHIPMENT_STATUSES.length] ?? 'shipped',
    lines: Array.from({ length: lines }, (_, k) => ({ line: k + 1, sku: seedSku(i + k), quantity: k + 1 })),
  };
}

export function partner(i: number): SimRecord {
  return { id: `P${String(i + 1).padStart(3, '0')}`, name: `Partner ${i + 1}`, format: FORMATS[i % FORMATS.length] };
}
