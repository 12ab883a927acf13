/**
 * Sample files that pass the examples' own checks, so `npm start` shows each example's happy path
 * (names with the named groups the validate node wants, real magic bytes, CSV headers, manifest
 * rows, vendor tables), and now and then a file meant for the exception path where that is the
 * example's point. Keyed by the example id at the start of its file name (`ftp-cs-01`, ...).
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalHome } from '../servers';
import type { FlowNode } from './flows';
import { restProducers } from './rest-samples';

/** A file to write, relative to the server home. */
export interface SampleFile {
  path: string;
  data: string | Buffer;
  /** Rewritten in place (a manifest): never removed by the inbox clean-up. */
  keep?: boolean;
}

/** What a producer knows about the watch it feeds. */
export interface ProducerContext {
  /** The watched folder, relative to the server home. */
  folder: string;
  /** The example's nodes, as in its JSON (so tables and folders come from the example itself). */
  nodes: readonly FlowNode[];
  home: LocalHome;
}

export interface SampleProducer {
  /** Files the example needs before the first arrival (tables it looks values up in). */
  setup?(ctx: ProducerContext): SampleFile[];
  /** The files of arrival `n` (1, 2, ...). */
  next(n: number, date: Date, ctx: ProducerContext): Promise<SampleFile[]>;
}

/** `ftp-cs-01 Partner drop to governed folder` (or `sub/ftp-cs-01 ...`) -> `ftp-cs-01`; `f360-01 ...` -> `f360-01`. */
export function exampleId(exampleName: string): string | undefined {
  const base = exampleName.replace(/^.*\//, '');
  return /^([a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*-\d+)\b/.exec(base)?.[1];
}

const p2 = (n: number): string => String(n).padStart(2, '0');
const p4 = (n: number): string => String(n).padStart(4, '0');
const isoDay = (d: Date): string => `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}`;
const compactDay = (d: Date): string => `${d.getFullYear()}${p2(d.getMonth() + 1)}${p2(d.getDate())}`;

/** A small PDF every reader opens (header, catalog, page, xref, trailer). */
export function minimalPdf(text: string): Buffer {
  const safe = text.replace(/[()\\]/g, ' ');
  const stream = `BT /F1 14 Tf 72 720 Td (${safe}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) body += `${String(off).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

/** A little-endian TIFF header and a few bytes: enough for the magic-bytes check. */
function minimalTiff(text: string): Buffer {
  return Buffer.concat([Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00]), Buffer.from(text)]);
}

function mapMetadataTable(nodes: readonly FlowNode[]): string | undefined {
  const node = nodes.find((n) => n.type === 'filebridge-map-metadata' && n.tableFrom === 'remote' && typeof n.tableValue === 'string');
  const value = typeof node?.tableValue === 'string' ? node.tableValue.trim().replace(/^(\.?\/)+/, '') : '';
  return value === '' || value.includes('{') ? undefined : value;
}

/** ftp-cs-01: invoices and contracts with partner, date and number in the name. */
const ftpCs01: SampleProducer = {
  async next(n, date, { folder }) {
    const name = n % 2 === 1 ? `INV_ACME_${isoDay(date)}_${p4(n)}.pdf` : `CON_GLOBEX_${isoDay(date)}_C-${n}.pdf`;
    return [{ path: `${folder}/${name}`, data: minimalPdf(`ftp-cs-01 sample ${name}`) }];
  },
};

/** ftp-cs-03: a legacy tree plus the manifest row of each file (written before the file). */
function ftpCs03(): SampleProducer {
  const rows: string[] = [];
  const header = 'path,title,vendor,invoice_date,amount,contract_number,parties,start_date,classification';
  return {
    async next(n, date, { folder }) {
      const year = date.getFullYear();
      const rel = n % 2 === 1 ? `Finance/${year}/inv-${p4(n)}.pdf` : `Legal/Contracts/msa-${p4(n)}.pdf`;
      rows.push(
        n % 2 === 1
          ? `${rel},Invoice ${p4(n)} ACME ${year},ACME,${isoDay(date)},"${n * 10},50",,,,Finance/Invoices`
          : `${rel},Master agreement ${p4(n)},,,,C-${year}-${p4(n)},"Globex;Initech",${year}-01-01,Finance/Contracts`,
      );
      // Rows of files long gone are no use to the lookup; a sandbox left running keeps a small manifest.
      while (rows.length > 200) rows.shift();
      return [
        { path: `${folder}/manifest.csv`, data: `${header}\n${rows.join('\n')}\n`, keep: true },
        { path: `${folder}/${rel}`, data: minimalPdf(`ftp-cs-03 legacy file ${rel}`) },
      ];
    },
  };
}

/** ftp-cs-05: media named campaign_project_asset.ext (a TIFF: its magic bytes are checked). */
const ftpCs05: SampleProducer = {
  async next(n, _date, { folder }) {
    const project = n % 2 === 1 ? 'hero-poster' : 'social-kit';
    const name = `SPRING26_${project}_keyvisual-${p4(n)}.tif`;
    return [{ path: `${folder}/${name}`, data: minimalTiff(`ftp-cs-05 sample ${name}`) }];
  },
};

/** ftp-cs-07: a batch of two forms per arrival, so each arrival gets its acknowledgement file. */
const ftpCs07: SampleProducer = {
  async next(n, _date, { folder }) {
    return ['001', '002'].map((form) => {
      const name = `FORM_B${p4(n)}_${form}.pdf`;
      return { path: `${folder}/${name}`, data: minimalPdf(`ftp-cs-07 form ${name}`) };
    });
  },
};

/** How often ftp-cs-08 gets a file meant for its exception folder. */
export const INVALID_EVERY = 6;

/** ftp-cs-08: invoices of vendors in the vendor table; every sixth one is bad in one of three ways. */
const ftpCs08: SampleProducer = {
  setup({ nodes }) {
    const table = mapMetadataTable(nodes);
    return table === undefined ? [] : [{ path: table, data: 'code,name\nACME,ACME Corporation\nGLOBEX,Globex Inc.\n', keep: true }];
  },
  async next(n, date, { folder }) {
    const vendor = n % 2 === 1 ? 'ACME' : 'GLOBEX';
    const name = `INV_${vendor}_${compactDay(date)}_${p4(n)}.pdf`;
    if (n % INVALID_EVERY !== 0) return [{ path: `${folder}/${name}`, data: minimalPdf(`ftp-cs-08 invoice ${name}`) }];
    switch ((n / INVALID_EVERY) % 3) {
      case 1:
        return [{ path: `${folder}/invoice ${vendor} ${p4(n)}.pdf`, data: minimalPdf('a name without the INV_ pattern') }];
      case 2:
        return [{ path: `${folder}/${name}`, data: '<html>an error page saved as pdf</html>\n' }];
      default:
        return [{ path: `${folder}/INV_NEWCO_${compactDay(date)}_${p4(n)}.pdf`, data: minimalPdf('a vendor missing from the vendor table') }];
    }
  },
};

/** sftp-cs-01: contracts for the customers that have a business workspace in the simulator. */
const sftpCs01: SampleProducer = {
  async next(n, _date, { folder }) {
    const customer = ['0000100010', '0000100020', '0000100030'][(n - 1) % 3];
    const name = `KNA1_${customer}_contract_${n}.pdf`;
    return [{ path: `${folder}/${name}`, data: minimalPdf(`sftp-cs-01 contract ${name}`) }];
  },
};

/** sftp-cs-03: a shipment CSV with the required `shipment_id` column. */
const sftpCs03: SampleProducer = {
  async next(n, date, { folder }) {
    const name = `SHIP_${compactDay(date)}_${String(n).padStart(3, '0')}.csv`;
    return [{ path: `${folder}/${name}`, data: `shipment_id,carrier,weight\nS-${n}-1,DHL,12.5\nS-${n}-2,UPS,3\n` }];
  },
};

/** sftp-cs-05: one report per type and month (going back a month every three arrivals). */
const sftpCs05: SampleProducer = {
  async next(n, date, { folder }) {
    const type = ['AUDIT', 'CAPA', 'DEVIATION'][(n - 1) % 3];
    const month = new Date(date.getFullYear(), date.getMonth() - Math.floor((n - 1) / 3), 1);
    const name = `QC_${type}_${month.getFullYear()}-${p2(month.getMonth() + 1)}.pdf`;
    return [{ path: `${folder}/${name}`, data: minimalPdf(`sftp-cs-05 report ${name}`) }];
  },
};

/** Seconds an exported file sits in the outbox before "the partner" sends it back signed. */
export const RETURN_AFTER_MS = 4000;

/**
 * ftp-cs-04 / sftp-cs-04: nothing arrives on its own; the partner signs what the export put into
 * the outbox and drops `<name> (CS-<id>)_signed.pdf` into the return folder the watch polls.
 */
function roundTrip(): SampleProducer {
  const returned = new Set<string>();
  return {
    async next(_n, date, { folder, nodes, home }) {
      const put = nodes.find(
        (x) => x.type === 'filebridge-remote' && x.operation === 'put' && x.pathType === 'str' && typeof x.path === 'string' && x.path !== '',
      );
      if (typeof put?.path !== 'string') return [];
      const outbox = put.path.replace(/^(\.?\/)+/, '').replace(/\/+$/, '');
      const files: SampleFile[] = [];
      for (const name of await readdir(join(home.root, outbox)).catch(() => [] as string[])) {
        const m = /^(.*\(CS-\d+\))\.[A-Za-z0-9]+$/.exec(name);
        if (!m || returned.has(name)) continue;
        const info = await stat(join(home.root, outbox, name)).catch(() => undefined);
        if (!info?.isFile() || date.getTime() - info.mtimeMs < RETURN_AFTER_MS) continue;
        returned.add(name);
        files.push({ path: `${folder}/${m[1]}_signed.pdf`, data: minimalPdf(`${name} signed by the partner`) });
      }
      return files;
    },
  };
}

/** A JPEG start of image marker and a few bytes: enough for the magic-bytes check. */
function minimalJpeg(text: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]), Buffer.from(text)]);
}

/** f360-01: a product image, a spec sheet or a price file of the supplier ACME, taking turns. */
const f360s01: SampleProducer = {
  async next(n, date, { folder }) {
    const item = `A-${100 + (n % 50)}`;
    switch (n % 3) {
      case 1:
        return [{ path: `${folder}/${item}_photo-${p4(n)}.jpg`, data: minimalJpeg(`f360-01 product image ${n}`) }];
      case 2:
        return [{ path: `${folder}/${item}_datasheet-${p4(n)}.pdf`, data: minimalPdf(`f360-01 spec sheet ${item}`) }];
      default:
        return [{ path: `${folder}/prices_${compactDay(date)}-${p4(n)}.csv`, data: `sku,price\n${item},${(n % 90) + 9}.95\n` }];
    }
  },
};

/** f360-03: the recurring feeds under their fixed names: each round replaces the document in File 360. */
const f360s03: SampleProducer = {
  async next(n, date, { folder }) {
    const feed = n % 2 === 1 ? 'inventory' : 'orders';
    const body = feed === 'inventory' ? `sku,on_hand\nA-100,${40 - (n % 40)}\nA-200,${n % 17}\n` : `order,sku,qty\n${n},A-100,${(n % 5) + 1}\n`;
    return [{ path: `${folder}/${feed}.csv`, data: `${body}# ${date.toISOString()}\n` }];
  },
};

/** f360-04: agency media; small here (the end-to-end test streams 1 GiB). */
const f360s04: SampleProducer = {
  async next(n, _date, { folder }) {
    return n % 2 === 1 ? [{ path: `${folder}/SPRING26_teaser-${p4(n)}.mov`, data: Buffer.alloc(256 * 1024, n % 256) }] : [];
  },
};

/** f360-06: now and then the auditor uploads a piece of evidence. */
const f360s06: SampleProducer = {
  async next(n, _date, { folder }) {
    return n % 2 === 0 ? [{ path: `${folder}/Evidence ${p4(n)} - confirmation.pdf`, data: minimalPdf(`f360-06 evidence ${n}`) }] : [];
  },
};

/** f360-07: a job output, then its `.done` marker (the watch takes outputs whose marker is there). */
const f360s07: SampleProducer = {
  async next(n, date, { folder }) {
    const name = n % 2 === 1 ? `daily-sales_${isoDay(date)}-${p4(n)}.csv` : `manifest_${isoDay(date)}-${p4(n)}.json`;
    const data = n % 2 === 1 ? `region,sales\nnorth,${1000 + n}\nsouth,${900 + n}\n` : JSON.stringify({ job: 'daily-sales', run: n });
    return [
      { path: `${folder}/${name}`, data },
      { path: `${folder}/${name}.done`, data: '' },
    ];
  },
};

/** f360-08: ACME's product and price lists; every sixth one has a price that is no number. */
const f360s08: SampleProducer = {
  async next(n, date, { folder }) {
    const kind = n % 2 === 1 ? 'products' : 'prices';
    const price = n % INVALID_EVERY === 0 ? 'twelve' : `${(n % 90) + 9}.95`;
    return [{ path: `${folder}/${kind}_${compactDay(date)}.csv`, data: `sku,name,price\nA-100,Anvil,12.50\nA-${100 + n},Sample item ${n},${price}\n` }];
  },
};

/** A fresh set of producers (some remember what they wrote), by example id. */
export function exampleProducers(): Record<string, SampleProducer> {
  return {
    'ftp-cs-01': ftpCs01,
    'ftp-cs-03': ftpCs03(),
    'ftp-cs-04': roundTrip(),
    'ftp-cs-05': ftpCs05,
    'ftp-cs-07': ftpCs07,
    'ftp-cs-08': ftpCs08,
    'sftp-cs-01': sftpCs01,
    'sftp-cs-03': sftpCs03,
    'sftp-cs-04': roundTrip(),
    'sftp-cs-05': sftpCs05,
    'f360-01': f360s01,
    'f360-03': f360s03,
    'f360-04': f360s04,
    'f360-06': f360s06,
    'f360-07': f360s07,
    'f360-08': f360s08,
    ...restProducers(),
  };
}
