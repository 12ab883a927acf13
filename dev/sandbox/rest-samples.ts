/**
 * What keeps the xConnector examples (xc-01..07) busy in the sandbox:
 * - sample files for the FTP folders they watch (`restProducers`, used by the sample arrivals of
 *   samples.ts like every other example's producers): catalogues (xc-01), product media named by a
 *   SKU the REST simulator knows (xc-03), availability files (xc-04), intake files with their
 *   `.done` marker, every sixth one failing the schema (xc-05), and each partner's own format (xc-07);
 * - `startRestFeeds`: the products the media are named after (with their categories) created in
 *   the REST simulator, a new backup package now and then (xc-06), and the on-demand injects of the
 *   API -> FTP examples clicked through Node-RED's admin API (`POST /inject/:id`, what the editor's
 *   inject button does), so their partner files appear without waiting for their nightly schedule.
 */
import type { RestSim } from '../sim/rest';
import type { SampleProducer } from './example-samples';
import type { PreparedExample } from './flows';
import { startRounds, type Arrivals } from './samples';

/** Every sixth intake file of xc-05 fails the schema (its quarantine path), as in the other examples' samples. */
export const REST_INVALID_EVERY = 6;

/** The products xc-03's media are named after, created in the simulator with their categories. */
export const MEDIA_PRODUCTS = [
  { sku: 'SBX-M1', name: 'Garden chair', price: 49.9, currency: 'EUR', category: 'Garden' },
  { sku: 'SBX-M2', name: 'Desk lamp', price: 19.5, currency: 'EUR', category: 'Home' },
  { sku: 'SBX-M3', name: 'Rain jacket', price: 89, currency: 'EUR', category: 'Outdoor' },
] as const;

/** The injects clicked by the feeds, by example id: the on-demand button of each API -> FTP flow. */
export const FEED_INJECTS: Readonly<Record<string, string>> = {
  'xc-02': 'Export now',
  'xc-04': 'Send changes now',
  'xc-06': 'Archive now',
  'xc-07': 'Publish catalogue',
};

/** Rounds of sample files between two clicks of the feed injects (each click writes a partner file). */
export const FEED_EVERY = 6;

/**
 * The xConnector examples get a sample file every third round only (the first, fourth...): seven
 * more examples on the one local vsftpd, each round, made the FTP examples of the sandbox miss their
 * deadlines on a busy machine.
 */
export const SAMPLE_EVERY = 3;

/** A producer that drops the files of `every(k)` (k = 1, 2...) at rounds 1, 1 + SAMPLE_EVERY..., nothing in between. */
function everyThird(every: SampleProducer['next']): SampleProducer {
  return {
    next: async (n, date, ctx) => ((n - 1) % SAMPLE_EVERY === 0 ? every((n - 1) / SAMPLE_EVERY + 1, date, ctx) : []),
  };
}

const p2 = (n: number): string => String(n).padStart(2, '0');
const p4 = (n: number): string => String(n).padStart(4, '0');
const compactDay = (d: Date): string => `${d.getFullYear()}${p2(d.getMonth() + 1)}${p2(d.getDate())}`;

/** A JPEG signature and a few bytes: enough for a media file. */
function minimalJpeg(text: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0]), Buffer.from(text)]);
}

/** The sample producers of the xConnector examples, by example id. */
export function restProducers(): Record<string, SampleProducer> {
  return {
    // xc-01: a small catalogue per round (the end-to-end test posts a 1,000,000-row one).
    'xc-01': everyThird(async (n, date, { folder }) => {
      const rows = Array.from({ length: 20 }, (_, i) => `SBX-C${p4(n)}-${p2(i)},Catalogue item ${n}.${i},${(n + i / 4).toFixed(2)},EUR,Sandbox`);
      return [{ path: `${folder}/catalogue_sandbox${p4(n)}_${compactDay(date)}.csv`, data: `sku,name,price,currency,category\n${rows.join('\n')}\n` }];
    }),
    // xc-03: media of the products created by startRestFeeds; every fourth one names a SKU the API does not know.
    'xc-03': everyThird(async (n, _date, { folder }) => {
      const sku = n % 4 === 0 ? `SBX-UNKNOWN${n}` : MEDIA_PRODUCTS[n % MEDIA_PRODUCTS.length].sku;
      return [{ path: `${folder}/${sku}_view${n}.jpg`, data: minimalJpeg(`xc-03 sample ${n}`) }];
    }),
    // xc-04: the partner's availability file.
    'xc-04': everyThird(async (n, date, { folder }) => {
      const rows = Array.from({ length: 10 }, (_, i) => `SBX-A${p2(i)},WH-${(i % 2) + 1},${(n * 7 + i) % 120},${i % 3 === 0 ? '' : '2026-12-24'}`);
      return [{ path: `${folder}/availability_${compactDay(date)}${p4(n)}.csv`, data: `sku,warehouse,quantity,available_from\n${rows.join('\n')}\n` }];
    }),
    // xc-05: an intake file and then its marker; every sixth one has a price that is no number.
    'xc-05': everyThird(async (n, date, { folder }) => {
      const price = n % REST_INVALID_EVERY === 0 ? 'twelve' : `${(n % 90) + 9}.95`;
      const unique = `products_sandbox${p4(n)}_${compactDay(date)}.csv`;
      return [
        { path: `${folder}/${unique}`, data: `sku,name,price,currency\nSBX-I${p4(n)},Intake item ${n},${price},EUR\n` },
        { path: `${folder}/${unique}.done`, data: '' },
      ];
    }),
    // xc-07: Nordic Parts (CSV, ;, decimal comma, Windows-1252) and Alpine Supply (JSON lines), by folder.
    'xc-07': everyThird(async (n, date, { folder }) => {
      if (folder.includes('nordic')) {
        const text = `Artikelnummer;Benennung;Preis;Währung;Kategorie\r\nSBX-N${p4(n)};Schraube Größe ${n};${(n / 10).toFixed(2).replace('.', ',')};EUR;Befestigung\r\n`;
        return [{ path: `${folder}/artikel_${compactDay(date)}${p4(n)}.csv`, data: Buffer.from(text, 'latin1') }];
      }
      const line = JSON.stringify({ item_code: `SBX-P${p4(n)}`, description: `Rope ${n} m`, unit_price: n + 0.9, ccy: 'CHF', group: 'Climbing' });
      return [{ path: `${folder}/items_${compactDay(date)}${p4(n)}.jsonl`, data: `${line}\n` }];
    }),
  };
}

/** The ids of the inject nodes `FEED_INJECTS` names, in the running (not disabled) xConnector examples. */
export function feedInjects(examples: readonly PreparedExample[]): { example: string; id: string }[] {
  const found: { example: string; id: string }[] = [];
  for (const example of examples) {
    if (example.disabledBecause !== undefined) continue;
    const id = /^(xc-\d+)\b/.exec(example.name.replace(/^.*\//, ''))?.[1];
    const name = id === undefined ? undefined : FEED_INJECTS[id];
    if (name === undefined || id === undefined) continue;
    const inject = example.nodes.find((n) => n.type === 'inject' && n.name === name && n.d !== true);
    if (inject) found.push({ example: id, id: inject.id });
  }
  return found;
}

async function simCall(sim: RestSim, method: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { Authorization: `Basic ${Buffer.from(`${sim.user}:${sim.password}`).toString('base64')}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

/**
 * Creates the media products, then every `FEED_EVERY` rounds of `intervalMs` adds a backup package
 * and clicks the feed injects of the running examples. Stopped with `stop()`.
 */
export function startRestFeeds(
  sim: RestSim,
  editorUrl: string,
  examples: readonly PreparedExample[],
  intervalMs: number,
  onFeed: (what: string) => void,
  onError: (err: Error) => void,
): Arrivals {
  const injects = feedInjects(examples);
  let round = 0;
  let ready = false;
  return startRounds(
    async (stopped) => {
      if (!ready) {
        await simCall(sim, 'POST', '/api/v1/products/batch', MEDIA_PRODUCTS);
        ready = true;
      }
      round++;
      // The first round clicks at once (people look right after the start); then every FEED_EVERY rounds.
      if ((round - 1) % FEED_EVERY !== 0) return;
      await simCall(sim, 'POST', '/_sim/backups', { name: `sandbox-backup-${p4(round)}.tar.gz`, size: 256 * 1024 + round });
      for (const { example, id } of injects) {
        if (stopped()) return;
        const res = await fetch(`${editorUrl}/inject/${encodeURIComponent(id)}`, { method: 'POST' });
        if (res.status !== 200) throw new Error(`clicking the inject of ${example}: ${res.status} ${await res.text()}`);
        onFeed(`clicked "${FEED_INJECTS[example]}" of ${example}`);
      }
    },
    intervalMs,
    onError,
  );
}
