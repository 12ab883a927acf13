import type { LocalHome } from '../devservers';

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
      return { ext: 'xml', text: `<?xml version="1.0"?>\n<orders received="${date.toISOString()}">\n  <order id="${n}" amount="${(n * 3.5).toFixed(2)}"/>\n</orders>\n` };
    default:
      return { ext: 'txt', text: `Sample ${n}, dropped by the sandbox at ${date.toISOString()}.\n` };
  }
}

export interface Arrivals {
  stop(): void;
}

/**
 * Drops a small new file into `inbox/` every `intervalMs`, so a person clicking the examples sees
 * files arrive as a partner would deliver them.
 */
export function startArrivals(home: LocalHome, intervalMs: number, onArrival: (relPath: string) => void, onError: (err: Error) => void): Arrivals {
  let stopped = false;
  let busy = false;
  let count = 0;
  const written: string[] = [];
  const drop = async (): Promise<void> => {
    const now = new Date();
    count += 1;
    const { ext, text } = sample(count, now);
    const relPath = `inbox/arrival-${stamp(now)}-${count}.${ext}`;
    await home.writeFile(relPath, text);
    written.push(relPath);
    while (written.length > MAX_ARRIVALS) {
      const old = written.shift();
      // The examples may have moved it to the archive already; remove() accepts a missing file.
      if (old !== undefined) await home.remove(old);
    }
    if (!stopped) onArrival(relPath);
  };
  const timer = setInterval(() => {
    // A slow disk must not pile up writes; the next tick catches up.
    if (busy || stopped) return;
    busy = true;
    drop().then(
      () => { busy = false; },
      (err: unknown) => {
        busy = false;
        // While stopping, the home folder is being deleted under us: nothing to report.
        if (!stopped) onError(err instanceof Error ? err : new Error(String(err)));
      },
    );
  }, intervalMs);
  return {
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
