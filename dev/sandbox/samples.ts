import picomatch from 'picomatch';
import type { LocalHome } from '../servers';
import { exampleId, exampleProducers, type SampleFile, type SampleProducer } from './example-samples';
import type { FlowNode, PreparedExample } from './flows';

/** Files the examples find on their first run: a text, a CSV (SFTP example's glob) and an XML (FTPS example's glob). */
export const INITIAL_SAMPLES: Readonly<Record<string, string>> = {
  'inbox/hello.txt': 'Hello from the FileBridge sandbox.\nEvery protocol sees this same folder.\n',
  'inbox/orders-1.csv': 'id;customer;amount\n1;ACME;12.50\n2;Globex;99.00\n',
  'inbox/orders-2.xml': '<?xml version="1.0"?>\n<orders>\n  <order id="3" customer="Initech" amount="42.00"/>\n</orders>\n',
};

/** Folders the examples write to, present from the start so a listing of them is not an error. */
const FOLDERS = ['inbox', 'outbox', 'archive'];

/** Arrivals kept in the inbox; older ones go, so a sandbox left running for days stays listable. */
const MAX_ARRIVALS = 20;

/** When the first round of samples lands, however long the interval. */
const FIRST_ROUND_MS = 5000;

export async function writeInitialSamples(home: LocalHome): Promise<void> {
  for (const folder of FOLDERS) await home.mkdirp(folder);
  for (const [path, text] of Object.entries(INITIAL_SAMPLES)) await home.writeFile(path, text);
}

function stamp(date: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}

function sample(n: number, date: Date): { ext: string; text: string } {
  // Rotate the kinds so each example's glob (*.txt/*.csv for SFTP, *.xml for FTPS) gets new files.
  switch (n % 3) {
    case 0:
      return { ext: 'csv', text: `id;amount;received\n${n};${(n * 7.25).toFixed(2)};${date.toISOString()}\n` };
    case 1:
      return {
        ext: 'xml',
        text: `<?xml version="1.0"?>\n<orders received="${date.toISOString()}">\n  <order id="${n}" amount="${(n * 3.5).toFixed(2)}"/>\n</orders>\n`,
      };
    default:
      return { ext: 'txt', text: `Sample ${n}, dropped by the sandbox at ${date.toISOString()}.\n` };
  }
}

/** A folder an example's `filebridge-watch` polls, relative to the server home, and its include glob. */
export interface WatchedFolder {
  folder: string;
  include: string;
  /** The example's id (`ftp-cs-01`), when its file name starts with one: it picks the sample producer. */
  example?: string;
  /** The example's nodes, for producers that read its tables and folders. */
  nodes?: readonly FlowNode[];
}

/** The protocol of the `filebridge-server` a watch uses, as its example configures it. */
export function watchServerProtocol(nodes: readonly FlowNode[], watch: FlowNode): string | undefined {
  const server = nodes.find((n) => n.id === watch.server && n.type === 'filebridge-server');
  return typeof server?.protocol === 'string' ? server.protocol : undefined;
}

/**
 * The folders the running examples watch, so files can arrive where each one looks (all servers
 * share one home, and the examples do not all watch `inbox/`). Disabled tabs and nodes are left out.
 */
export function watchedFolders(examples: readonly PreparedExample[]): WatchedFolder[] {
  const seen = new Map<string, WatchedFolder>();
  for (const example of examples) {
    if (example.disabledBecause !== undefined) continue;
    for (const node of example.nodes) {
      if (node.type !== 'filebridge-watch' || node.d === true || typeof node.folder !== 'string') continue;
      // Dropbox and File 360 folders live in their simulators, not in the servers' shared home
      // (dropbox-samples.ts, file360-samples.ts).
      const protocol = watchServerProtocol(example.nodes, node);
      if (protocol === 'dropbox' || protocol === 'file360') continue;
      // The sandbox logins start in the shared home, so `/partners/in` and `partners/in` are one folder there.
      const folder = node.folder
        .trim()
        .replace(/^(\.?\/)+/, '')
        .replace(/\/+$/, '');
      if (folder === '' || folder.split('/').includes('..')) continue;
      const include = typeof node.include === 'string' ? node.include.trim() : '';
      const id = exampleId(example.name);
      seen.set(`${folder}\n${include}`, id === undefined ? { folder, include } : { folder, include, example: id, nodes: example.nodes });
    }
  }
  return [...seen.values()];
}

/**
 * A file name the include glob accepts (`INV_*.pdf` -> `INV_<stamp>-3.pdf`), or undefined when the
 * glob is too clever to invert: then nothing is dropped there rather than a file the watch ignores.
 */
export function sampleNameFor(include: string, n: number, date: Date): string | undefined {
  const unique = `${stamp(date)}-${n}`;
  const glob = include.split(/\s*[,;]\s*(?![^{]*\})/)[0]?.trim() ?? '';
  if (glob === '') return `arrival-${unique}.txt`;
  let name = glob.replace(/^.*\//, '');
  name = name.replace(/\{([^{}]*)\}/g, (_m, alternatives: string) => alternatives.split(',')[0] ?? '');
  name = name.replace(/\[([^\]]*)\]/g, (_m, cls: string) => (cls.startsWith('!') || cls.startsWith('^') ? '' : cls.charAt(0)));
  let starUsed = false;
  name = name.replace(/\*+/g, () => {
    if (starUsed) return '';
    starUsed = true;
    return unique;
  });
  name = name.replace(/\?/g, '1');
  if (!starUsed) return undefined; // a fixed name: dropping it again and again would only make versions of one file
  return picomatch(glob.replace(/^.*\//, ''), { dot: false })(name) ? name : undefined;
}

function contentFor(name: string, n: number, date: Date): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
  switch (ext) {
    case 'pdf':
      return `%PDF-1.4\n% FileBridge sandbox sample ${n}, ${date.toISOString()}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`;
    case 'csv':
    case 'xml':
    case 'txt':
      return sample(ext === 'csv' ? 0 : ext === 'xml' ? 1 : 2, date).text;
    default:
      return `Sample ${n} (${name}), dropped by the FileBridge sandbox at ${date.toISOString()}.\n`;
  }
}

export interface Arrivals {
  stop(): void;
}

/**
 * Runs `round` every `intervalMs`, and once after FIRST_ROUND_MS when the interval is longer (with
 * the default 30 s, someone who just started the sandbox would wait that long for anything to
 * happen). A tick while a round still runs, or while `idle()` says there is nothing to do, is
 * skipped: a slow disk or simulator must not pile up rounds; the next tick catches up. `round` is
 * given `stopped()` to hold back its reports once stopped; a failure goes to `onError` unless
 * stopped (while stopping, the folders are being deleted under it: nothing to report).
 */
export function startRounds(
  round: (stopped: () => boolean) => Promise<void>,
  intervalMs: number,
  onError: (err: Error) => void,
  idle: () => boolean = () => false,
): Arrivals {
  let stopped = false;
  let busy = false;
  const isStopped = (): boolean => stopped;
  const tick = (): void => {
    if (busy || stopped || idle()) return;
    busy = true;
    round(isStopped).then(
      () => {
        busy = false;
      },
      (err: unknown) => {
        busy = false;
        if (!stopped) onError(err instanceof Error ? err : new Error(String(err)));
      },
    );
  };
  const timer = setInterval(tick, intervalMs);
  const first = intervalMs > FIRST_ROUND_MS ? setTimeout(tick, FIRST_ROUND_MS) : undefined;
  return {
    stop: () => {
      stopped = true;
      clearInterval(timer);
      clearTimeout(first);
    },
  };
}

/**
 * Drops a small new file into `inbox/` every `intervalMs`, so a person clicking the examples sees
 * files arrive as a partner would deliver them.
 */
export function startArrivals(
  home: LocalHome,
  intervalMs: number,
  onArrival: (relPath: string) => void,
  onError: (err: Error) => void,
  watched: readonly WatchedFolder[] = [],
): Arrivals {
  let count = 0;
  const written: string[] = [];
  const producers = exampleProducers();
  const producerFor = (w: WatchedFolder): SampleProducer | undefined => (w.example === undefined ? undefined : producers[w.example]);
  let setUp = false;
  const drop = async (stopped: () => boolean): Promise<void> => {
    const now = new Date();
    count += 1;
    const { ext, text } = sample(count, now);
    const relPath = `inbox/arrival-${stamp(now)}-${count}.${ext}`;
    const files: SampleFile[] = [{ path: relPath, data: text }];
    if (!setUp) {
      // Tables the examples look values up in, there before the first file that needs them.
      for (const w of watched) {
        const setup = producerFor(w)?.setup?.({ folder: w.folder, nodes: w.nodes ?? [], home });
        for (const file of setup ?? []) await home.writeFile(file.path, file.data);
      }
      setUp = true;
    }
    for (const w of watched) {
      const producer = producerFor(w);
      if (producer) {
        files.push(...(await producer.next(count, now, { folder: w.folder, nodes: w.nodes ?? [], home })));
        continue;
      }
      // inbox/ without a filter already gets the rotating kinds above.
      if (w.folder === 'inbox' && w.include === '') continue;
      const name = sampleNameFor(w.include, count, now);
      if (name !== undefined) files.push({ path: `${w.folder}/${name}`, data: contentFor(name, count, now) });
    }
    for (const file of files) {
      await home.writeFile(file.path, file.data);
      if (!file.keep) written.push(file.path);
      if (!stopped() && file.path !== relPath) onArrival(file.path);
    }
    while (written.length > MAX_ARRIVALS * files.length) {
      const old = written.shift();
      // The examples may have moved it to the archive already; remove() accepts a missing file.
      if (old !== undefined) await home.remove(old);
    }
    if (!stopped()) onArrival(relPath);
  };
  return startRounds(drop, intervalMs, onError);
}
