/**
 * Posted records (products, inventory availability), kept compact so a million of them fit: the
 * records themselves are appended as JSON lines to `<dataDir>/<resource>.jsonl`; memory holds only,
 * per key (sku, or sku + warehouse), its slot number in a Map and, in typed arrays by slot, where its
 * latest line is in the file, how often it was posted and by which request last. Reading a record
 * reads its line back from the file.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import type { FieldError } from './problem';
import { skuFails } from './faults';

export type SimRecord = Record<string, unknown>;

export interface Upserted {
  created: number;
  updated: number;
}

class Grow {
  offsets = new Float64Array(1024);
  lengths = new Uint32Array(1024);
  posts = new Uint32Array(1024);
  lastRequest = new Uint32Array(1024);

  ensure(n: number): void {
    if (n <= this.offsets.length) return;
    let size = this.offsets.length;
    while (size < n) size *= 2;
    const grow = <T extends Float64Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.offsets = grow(this.offsets, (k) => new Float64Array(k));
    this.lengths = grow(this.lengths, (k) => new Uint32Array(k));
    this.posts = grow(this.posts, (k) => new Uint32Array(k));
    this.lastRequest = grow(this.lastRequest, (k) => new Uint32Array(k));
  }
}

export class RecordTable {
  private readonly fd: number;
  private fileSize = 0;
  private readonly slots = new Map<string, number>();
  private readonly keys: string[] = [];
  private readonly arrays = new Grow();
  /** Records posted (each record of each non-replayed stored batch). */
  posted = 0;
  /** Keys stored by two or more different non-replayed requests. */
  duplicateKeys = 0;

  constructor(
    readonly file: string,
    readonly keyOf: (r: SimRecord) => string,
  ) {
    this.fd = openSync(file, 'w+');
  }

  get count(): number {
    return this.keys.length;
  }

  /**
   * Stores a batch (already validated) in one append; `request` is the storing request's number
   * (0 = seed, not counted as a post). Upsert by key.
   */
  upsert(records: SimRecord[], request: number): Upserted {
    const lines: string[] = [];
    let at = this.fileSize;
    const placed: { slot: number; offset: number; length: number }[] = [];
    let created = 0;
    for (const r of records) {
      const line = `${JSON.stringify(r)}\n`;
      const length = Buffer.byteLength(line);
      const key = this.keyOf(r);
      let slot = this.slots.get(key);
      if (slot === undefined) {
        slot = this.keys.length;
        this.slots.set(key, slot);
        this.keys.push(key);
        this.arrays.ensure(this.keys.length);
        created++;
      }
      placed.push({ slot, offset: at, length: length - 1 });
      lines.push(line);
      at += length;
    }
    const buf = Buffer.from(lines.join(''));
    let written = 0;
    while (written < buf.length) written += writeSync(this.fd, buf, written, buf.length - written, this.fileSize + written);
    this.fileSize += buf.length;
    const a = this.arrays;
    for (const p of placed) {
      a.offsets[p.slot] = p.offset;
      a.lengths[p.slot] = p.length;
      if (request > 0 && a.lastRequest[p.slot] !== request) {
        a.lastRequest[p.slot] = request;
        a.posts[p.slot] = (a.posts[p.slot] ?? 0) + 1;
        if (a.posts[p.slot] === 2) this.duplicateKeys++;
      }
    }
    if (request > 0) this.posted += records.length;
    return { created, updated: records.length - created };
  }

  private read(slot: number): SimRecord {
    const length = this.arrays.lengths[slot] ?? 0;
    const buf = Buffer.alloc(length);
    readSync(this.fd, buf, 0, length, this.arrays.offsets[slot] ?? 0);
    return JSON.parse(buf.toString('utf8')) as SimRecord;
  }

  get(key: string): SimRecord | undefined {
    const slot = this.slots.get(key);
    return slot === undefined ? undefined : this.read(slot);
  }

  /** Records in the order their keys were first stored. */
  list(offset: number, limit: number): SimRecord[] {
    const out: SimRecord[] = [];
    for (let s = offset; s < Math.min(this.keys.length, offset + limit); s++) out.push(this.read(s));
    return out;
  }

  /** How often each key was posted (by distinct non-replayed requests); `min` filters. */
  postCounts(offset: number, limit: number, min = 0): { key: string; posts: number }[] {
    const out: { key: string; posts: number }[] = [];
    let skipped = 0;
    for (let s = 0; s < this.keys.length && out.length < limit; s++) {
      const posts = this.arrays.posts[s] ?? 0;
      if (posts < min) continue;
      if (skipped++ < offset) continue;
      out.push({ key: this.keys[s] ?? '', posts });
    }
    return out;
  }

  postsOf(key: string): number {
    const slot = this.slots.get(key);
    return slot === undefined ? 0 : (this.arrays.posts[slot] ?? 0);
  }

  close(): void {
    closeSync(this.fd);
  }
}

// ---- validation ----

const SKU = /^[A-Za-z0-9._-]{1,64}$/;
const WAREHOUSE = /^[A-Za-z0-9._-]{1,32}$/;
const CURRENCY = /^[A-Z]{3}$/;
/** `2026-12-07` or an ISO 8601 date-time (`2026-12-07T10:00:00Z`, `...+01:00`). */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export const PRODUCT_FIELDS = ['sku', 'name', 'price', 'currency', 'category', 'updatedAt'] as const;
export const AVAILABILITY_FIELDS = ['sku', 'warehouse', 'quantity', 'availableFrom'] as const;

function isObject(v: unknown): v is SimRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unknownFields(r: SimRecord, known: readonly string[], index: number, errors: FieldError[]): void {
  for (const k of Object.keys(r)) if (!known.includes(k)) errors.push({ index, field: k, message: `unknown field; known: ${known.join(', ')}` });
}

function skuErrors(r: SimRecord, index: number, errors: FieldError[], failPattern: string): void {
  if (typeof r.sku !== 'string' || !SKU.test(r.sku)) errors.push({ index, field: 'sku', message: 'required: 1-64 characters of A-Z a-z 0-9 . _ -' });
  else if (skuFails(failPattern, r.sku)) errors.push({ index, field: 'sku', message: `sku ${r.sku} is rejected by the back end` });
}

/** Checks a product; pushes every problem; returns the record to store (defaults filled) when valid. */
export function checkProduct(r: unknown, index: number, errors: FieldError[], failPattern: string, now: string): SimRecord | undefined {
  const before = errors.length;
  if (!isObject(r)) {
    errors.push({ index, field: '', message: 'a record must be a JSON object' });
    return undefined;
  }
  unknownFields(r, PRODUCT_FIELDS, index, errors);
  skuErrors(r, index, errors, failPattern);
  if (typeof r.name !== 'string' || r.name.trim() === '' || r.name.length > 500)
    errors.push({ index, field: 'name', message: 'required: a non-empty string of at most 500 characters' });
  if (typeof r.price !== 'number' || !Number.isFinite(r.price) || r.price < 0) errors.push({ index, field: 'price', message: 'required: a number >= 0' });
  if (r.currency !== undefined && (typeof r.currency !== 'string' || !CURRENCY.test(r.currency)))
    errors.push({ index, field: 'currency', message: 'a 3-letter ISO 4217 code such as EUR' });
  if (r.category !== undefined && r.category !== null && (typeof r.category !== 'string' || r.category.length > 200))
    errors.push({ index, field: 'category', message: 'a string of at most 200 characters' });
  if (errors.length > before) return undefined;
  const out: SimRecord = { sku: r.sku, name: r.name, price: r.price, currency: r.currency ?? 'EUR' };
  if (typeof r.category === 'string') out.category = r.category;
  out.updatedAt = now;
  return out;
}

/** Checks an availability record `{ sku, warehouse, quantity, availableFrom? }`. */
export function checkAvailability(r: unknown, index: number, errors: FieldError[], failPattern: string): SimRecord | undefined {
  const before = errors.length;
  if (!isObject(r)) {
    errors.push({ index, field: '', message: 'a record must be a JSON object' });
    return undefined;
  }
  unknownFields(r, AVAILABILITY_FIELDS, index, errors);
  skuErrors(r, index, errors, failPattern);
  if (typeof r.warehouse !== 'string' || !WAREHOUSE.test(r.warehouse))
    errors.push({ index, field: 'warehouse', message: 'required: 1-32 characters of A-Z a-z 0-9 . _ -' });
  if (typeof r.quantity !== 'number' || !Number.isInteger(r.quantity) || r.quantity < 0)
    errors.push({ index, field: 'quantity', message: 'required: an integer >= 0' });
  if (
    r.availableFrom !== undefined &&
    r.availableFrom !== null &&
    (typeof r.availableFrom !== 'string' || !ISO_DATE.test(r.availableFrom) || Number.isNaN(Date.parse(r.availableFrom)))
  )
    errors.push({ index, field: 'availableFrom', message: 'an ISO 8601 date (yyyy-MM-dd) or date-time' });
  if (errors.length > before) return undefined;
  const out: SimRecord = { sku: r.sku, warehouse: r.warehouse, quantity: r.quantity };
  if (typeof r.availableFrom === 'string') out.availableFrom = r.availableFrom;
  return out;
}

export const productKey = (r: SimRecord): string => String(r.sku);
export const availabilityKey = (r: SimRecord): string => `${String(r.sku)}@${String(r.warehouse)}`;
