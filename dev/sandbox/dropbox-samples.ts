/**
 * Files arriving in the Dropbox folders the running Dropbox examples watch, as a colleague or a
 * partner would save them there: dropped into the Dropbox simulator through its inspection route
 * (`putFile`, a new rev that the watches' cursors and long-polls see), in the personal space or, for
 * a configuration with "team space" on, in the team space. Names pass each example's own checks (its
 * validate node's pattern), so `npm start` shows the happy path; an example without a producer here
 * gets a file its include glob accepts, so new examples slot in by name.
 */
import picomatch from 'picomatch';
import type { DropboxSim } from '../sim/dropbox';
import { exampleId, minimalPdf, type SampleFile } from './example-samples';
import type { FlowNode, PreparedExample } from './flows';
import { sampleNameFor, startRounds, watchServerProtocol, type Arrivals } from './samples';

/** A Dropbox folder a running example watches. */
export interface DropboxWatchedFolder {
  /** Dropbox path, `/Clients` (never the root itself: nothing is dropped into a whole account). */
  folder: string;
  include: string;
  recursive: boolean;
  /** The team space when the watch's server configuration has "team space" on. */
  root: 'home' | 'team';
  /** Whether the example's ack leaves files where they are (copy mode): then old arrivals are removed here. */
  leavesFiles: boolean;
  example?: string;
  nodes: readonly FlowNode[];
}

export interface DropboxSampleProducer {
  /** The files of arrival `n` (1, 2, ...), paths relative to the watched folder. */
  next(n: number, date: Date, folder: DropboxWatchedFolder): SampleFile[];
}

/** Arrivals kept per folder where the watch leaves files in place (a sandbox left running stays small). */
const MAX_KEPT = 20;
const p2 = (n: number): string => String(n).padStart(2, '0');
const isoDay = (d: Date): string => `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}`;
const isoMonth = (d: Date): string => `${d.getFullYear()}-${p2(d.getMonth() + 1)}`;

/** The Dropbox watches of the running examples (disabled tabs and nodes left out). */
export function dropboxWatchedFolders(examples: readonly PreparedExample[]): DropboxWatchedFolder[] {
  const seen = new Map<string, DropboxWatchedFolder>();
  for (const example of examples) {
    if (example.disabledBecause !== undefined) continue;
    for (const node of example.nodes) {
      if (node.type !== 'filebridge-watch' || node.d === true || typeof node.folder !== 'string') continue;
      if (watchServerProtocol(example.nodes, node) !== 'dropbox') continue;
      const folder = `/${node.folder.trim().replace(/^\/+/, '').replace(/\/+$/, '')}`;
      if (folder === '/' || folder.split('/').includes('..')) continue;
      const server = example.nodes.find((n) => n.id === node.server);
      const root = server?.teamRoot === true ? 'team' : 'home';
      const include = typeof node.include === 'string' ? node.include.trim() : '';
      const id = exampleId(example.name);
      seen.set(`${root}\n${folder.toLowerCase()}\n${include}`, {
        folder,
        include,
        recursive: node.recursive === true,
        root,
        leavesFiles: example.nodes.some((n) => n.type === 'filebridge-ack' && n.action === 'leave'),
        ...(id === undefined ? {} : { example: id }),
        nodes: example.nodes,
      });
    }
  }
  return [...seen.values()];
}

/**
 * A relative path the include glob accepts, also for globs with folders (`*\/Final/*.pdf` ->
 * `Sandbox/Final/<unique>.pdf`); undefined when the glob is too clever to invert, or has folders the
 * watch does not look into.
 */
export function dropboxSamplePath(include: string, recursive: boolean, n: number, date: Date): string | undefined {
  const glob = include.split(/\s*[,;]\s*(?![^{]*\})/)[0]?.trim() ?? '';
  const parts = glob.split('/');
  const last = parts.pop() ?? '';
  if (parts.length > 0 && !recursive) return undefined;
  const dirs = parts.map((p) => (p === '**' ? 'Sandbox' : p.replace(/\*+/g, 'Sandbox').replace(/\?/g, '1')));
  const name = sampleNameFor(last, n, date);
  if (name === undefined) return undefined;
  const path = [...dirs, name].join('/');
  return glob === '' || picomatch(glob, { dot: false })(path) ? path : undefined;
}

/** The examples' own producers, by example id. */
export function dropboxProducers(): Record<string, DropboxSampleProducer> {
  return {
    // dbx-cs-01: a finalized contract with its contract number in a client's Final folder.
    'dbx-cs-01': {
      next: (n, date) => {
        const name = `C-${date.getFullYear()}-${String(n % 1000).padStart(3, '0')}_Sandbox services agreement.pdf`;
        return [{ path: `ACME/Final/${name}`, data: minimalPdf(`dbx-cs-01 contract ${name}`) }];
      },
    },
    // dbx-cs-03: team reports named <title>_<yyyy-MM> below <team>/<report type>/.
    'dbx-cs-03': {
      next: (n, date) => {
        const month = new Date(date.getFullYear(), date.getMonth() - Math.floor((n - 1) / 2), 1);
        return n % 2 === 1
          ? [{ path: `Quality/Audits/Supplier audit ${n}_${isoMonth(month)}.pdf`, data: minimalPdf(`dbx-cs-03 audit ${n}`) }]
          : [{ path: `Finance/Monthly KPIs/KPI extract ${n}_${isoMonth(month)}.csv`, data: `kpi,value\nscrap,0.${n % 10}\n` }];
      },
    },
    // dbx-cs-04: an invoice saved into "Ready for approval".
    'dbx-cs-04': {
      next: (n, date) => {
        // DBX- in the number tells these apart from ftp-cs-01's invoices, which file into the same folder.
        const name = `INV_ACME_${isoDay(date)}_DBX-${String(n).padStart(4, '0')}.pdf`;
        return [{ path: name, data: minimalPdf(`dbx-cs-04 invoice ${name}`) }];
      },
    },
    // dbx-cs-06: now and then a finished project's folder tree lands in /Closeout.
    'dbx-cs-06': {
      next: (n) => {
        if (n % 5 !== 1) return [];
        const project = `Sandbox project ${n}`;
        return [
          { path: `${project}/Contract/Main contract.pdf`, data: minimalPdf(`dbx-cs-06 ${project} contract`) },
          { path: `${project}/Drawings/Site plan.pdf`, data: minimalPdf(`dbx-cs-06 ${project} drawing`) },
        ];
      },
    },
    // dbx-cs-07: a client uploads through its file request folder (clients of the example's owner table).
    'dbx-cs-07': {
      next: (n) => {
        const client = n % 2 === 1 ? 'ACME' : 'Globex';
        const name = `Signed order form ${n}.pdf`;
        return [{ path: `${client}/${name}`, data: minimalPdf(`dbx-cs-07 ${client} ${name}`) }];
      },
    },
    // dbx-cs-08: a nightly backup of the team folders; its first run at start backs up the seeded
    // team files, and files dropped every round would only wait for the next night.
    'dbx-cs-08': { next: () => [] },
    // dbx-cs-05: its Dropbox folder is fed by its own Content Server export (the copies carry the
    // document id); a file dropped there without one would only be quarantined every round.
    'dbx-cs-05': { next: () => [] },
  };
}

export type DropboxArrivals = Arrivals;

/** One RPC call as the account's owner would make it, with a token the simulator issues; answers the HTTP status. */
async function ownerRpc(sim: DropboxSim, route: string, arg: Record<string, unknown>, root: 'home' | 'team'): Promise<number> {
  const headers: Record<string, string> = { Authorization: `Bearer ${sim.issueAccessToken()}`, 'Content-Type': 'application/json' };
  if (root === 'team') headers['Dropbox-API-Path-Root'] = JSON.stringify({ '.tag': 'root', root: sim.rootNamespaceId });
  const res = await fetch(`${sim.url}/2/${route}`, { method: 'POST', headers, body: JSON.stringify(arg) });
  await res.arrayBuffer();
  return res.status;
}

/** Removes a file as its owner would (files/delete_v2); a file the flow moved away already is fine. */
async function deleteFile(sim: DropboxSim, path: string, root: 'home' | 'team'): Promise<void> {
  const status = await ownerRpc(sim, 'files/delete_v2', { path }, root);
  if (status !== 200 && status !== 409) throw new Error(`removing ${path} from the Dropbox simulator: HTTP ${status}`);
}

/** The watched folders exist before the watches start (files/create_folder_v2; an existing one answers 409 and is fine). */
export async function createDropboxFolders(sim: DropboxSim, watched: readonly DropboxWatchedFolder[]): Promise<void> {
  for (const w of watched) {
    const status = await ownerRpc(sim, 'files/create_folder_v2', { path: w.folder, autorename: false }, w.root);
    if (status !== 200 && status !== 409) throw new Error(`creating ${w.folder} in the Dropbox simulator: HTTP ${status}`);
  }
}

/** Drops new files into every watched Dropbox folder every `intervalMs`. */
export function startDropboxArrivals(
  sim: DropboxSim,
  intervalMs: number,
  watched: readonly DropboxWatchedFolder[],
  onArrival: (path: string) => void,
  onError: (err: Error) => void,
): DropboxArrivals {
  let count = 0;
  const producers = dropboxProducers();
  const kept = new Map<DropboxWatchedFolder, string[]>();
  const drop = async (stopped: () => boolean): Promise<void> => {
    const now = new Date();
    count += 1;
    for (const w of watched) {
      const producer = w.example === undefined ? undefined : producers[w.example];
      const files: SampleFile[] = producer
        ? producer.next(count, now, w)
        : ((path) => (path === undefined ? [] : [{ path, data: minimalPdf(`Dropbox sample ${count}`) }]))(
            dropboxSamplePath(w.include, w.recursive, count, now),
          );
      for (const file of files) {
        const path = `${w.folder}/${file.path}`;
        await sim.putFile(path, typeof file.data === 'string' ? Buffer.from(file.data) : file.data, { root: w.root, mode: 'overwrite' });
        if (!stopped()) onArrival(`Dropbox${w.root === 'team' ? ' team space' : ''} ${path}`);
        if (!w.leavesFiles) continue;
        const list = kept.get(w) ?? [];
        list.push(path);
        kept.set(w, list);
        while (list.length > MAX_KEPT) {
          const old = list.shift();
          if (old !== undefined) await deleteFile(sim, old, w.root);
        }
      }
    }
  };
  return startRounds(drop, intervalMs, onError, () => watched.length === 0);
}
