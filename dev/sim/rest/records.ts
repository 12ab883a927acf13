/**
 * Posted records (products, inventory availability), kept compact so a million of them fit: the
 * records themselves are appended as JSON lines to `<dataDir>/<resource>.jsonl`; memory holds only,
 * per key (sku, or sku@warehouse), in typed arrays and buffers outside the JS heap: the key's bytes,
 * an open-addressing hash table from key to slot, and by slot where its latest line is in the file,
 * how often it was posted and by which request last (about 50 bytes per key: a million posted
 * products cost ~50 MiB, measured in test/integration/dev/sim/rest/cli.test.ts). Reading a record
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

/** Per-slot numbers in typed arrays, doubled as slots are added. */
class Grow {
  offsets = new Float64Array(1024);
  lengths = new Uint32Array(1024);
  posts = new Uint32Array(1024);
  lastRequest = new Uint32Array(1024);
  keyAt = new Uint32Array(1024);
  keyLength = new Uint16Array(1024);

  ensure(n: number): void {
    if (n <= this.offsets.length) return;
    let size = this.offsets.length;
    while (size < n) size *= 2;
    const grow = <T extends Float64Array | Uint32Array | Uint16Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.offsets = grow(this.offsets, (k) => new Float64Array(k));
    this.lengths = grow(this.lengths, (k) => new Uint32Array(k));
    this.posts = grow(this.posts, (k) => new Uint32Array(k));
    this.lastRequest = grow(this.lastRequest, (k) => new Uint32Array(k));
    this.keyAt = grow(this.keyAt, (k) => new Uint32Array(k));
    this.keyLength = grow(this.keyLength, (k) => new Uint16Array(k));
  }
}

/** FNV-1a, 32 bits, of `n` bytes of `b`. */
function fnv1a(b: Buffer, n: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < n; i++) {
    h ^= b[i] ?? 0;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Key -> slot without a JS Map: the keys' UTF-8 bytes one after the other in `arena`, a linear
 * probing table of `slot + 1` (0 = free) kept at most half full.
 */
class KeyIndex {
  private table = new Int32Array(4096);
  private arena = Buffer.alloc(64 * 1024);
  private arenaUsed = 0;
  private readonly scratch = Buffer.alloc(4 * 1024);
  count = 0;

  constructor(private readonly slots: Grow) {}

  private encode(key: string): number {
    const n = this.scratch.write(key, 'utf8');
    if (n >= this.scratch.length - 3) throw new Error('record key too long');
    return n;
  }

  private find(n: number): { at: number; slot: number } {
    const mask = this.table.length - 1;
    for (let at = fnv1a(this.scratch, n) & mask; ; at = (at + 1) & mask) {
      const v = this.table[at] ?? 0;
      if (v === 0) return { at, slot: -1 };
      const slot = v - 1;
      const off = this.slots.keyAt[slot] ?? 0;
      const len = this.slots.keyLength[slot] ?? 0;
      if (len === n && this.scratch.compare(this.arena, off, off + len, 0, n) === 0) return { at, slot };
    }
  }

  get(key: string): number | undefined {
    const slot = this.find(this.encode(key)).slot;
    return slot < 0 ? undefined : slot;
  }

  /** The key's slot, adding it (as slot `count`) when new; `created` tells which. */
  add(key: string): { slot: number; created: boolean } {
    const n = this.encode(key);
    const found = this.find(n);
    if (found.slot >= 0) return { slot: found.slot, created: false };
    const slot = this.count++;
    this.slots.ensure(this.count);
    if (this.arenaUsed + n > this.arena.length) {
      const bigger = Buffer.alloc(Math.max(this.arena.length * 2, this.arenaUsed + n));
      this.arena.copy(bigger, 0, 0, this.arenaUsed);
      this.arena = bigger;
    }
    this.scratch.copy(this.arena, this.arenaUsed, 0, n);
    this.slots.keyAt[slot] = this.arenaUsed;
    this.slots.keyLength[slot] = n;
    this.arenaUsed += n;
    this.table[found.at] = slot + 1;
    if (this.count * 2 > this.table.length) this.rehash();
    return { slot, created: true };
  }

  keyOf(slot: number): string {
    const off = this.slots.keyAt[slot] ?? 0;
    return this.arena.toString('utf8', off, off + (this.slots.keyLength[slot] ?? 0));
  }

  private rehash(): void {
    this.table = new Int32Array(this.table.length * 2);
    const mask = this.table.length - 1;
    for (let slot = 0; slot < this.count; slot++) {
      const off = this.slots.keyAt[slot] ?? 0;
      let at = fnv1a(this.arena.subarray(off, off + (this.slots.keyLength[slot] ?? 0)), this.slots.keyLength[slot] ?? 0) & mask;
      while ((this.table[at] ?? 0) !== 0) at = (at + 1) & mask;
      this.table[at] = slot + 1;
    }
  }
}

export class RecordTable {
  private readonly fd: number;
  private fileSize = 0;
  private readonly arrays = new Grow();
  private readonly index = new KeyIndex(this.arrays);
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
    return this.index.count;
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
      const { slot, created: isNew } = this.index.add(this.keyOf(r));
      if (isNew) created++;
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
    const slot = this.index.get(key);
    return slot === undefined ? undefined : this.read(slot);
  }

  /** Records in the order their keys were first stored. */
  list(offset: number, limit: number): SimRecord[] {
    const out: SimRecord[] = [];
    for (let s = offset; s < Math.min(this.count, offset + limit); s++) out.push(this.read(s));
    return out;
  }

  /** How often each key was posted (by distinct non-replayed requests); `min` filters. */
  postCounts(offset: number, limit: number, min = 0): { key: string; posts: number }[] {
    const out: { key: string; posts: number }[] = [];
    let skipped = 0;
    for (let s = 0; s < this.count && out.length < limit; s++) {
      const posts = this.arrays.posts[s] ?? 0;
      if (posts < min) continue;
      if (skipped++ < offset) continue;
      out.push({ key: this.index.keyOf(s), posts });
    }
    return out;
  }

  postsOf(key: string): number {
    const slot = this.index.get(key);
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
