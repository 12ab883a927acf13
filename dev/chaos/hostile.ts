/**
 * Hostile inputs end to end (issue 14): the files a partner's server really holds put into a fresh
 * inbox on sshd or vsftpd, and the flow a user builds for them run in a real Node-RED:
 *
 *   watch -> validate -> valid: cs upload -> ack (archive)
 *                     -> invalid: quarantine;   Catch (all) -> quarantine;   defaults elsewhere.
 *
 * Good files (some with a backslash or a 255-byte UTF-8 name, one still growing while the watch
 * looks at it) must reach Content Server exactly once, whole and under their own names; bad ones
 * (empty, truncated, a 3 MB line, the wrong magic bytes) must be quarantined with a report naming
 * the code and the failing rule; a name with `..` between backslashes is left out of the listing
 * with a warning and must stay where it is, untouched. Nothing lost, nothing outside the inbox
 * touched, Node-RED alive.
 * Everything is asked of the servers and the simulator afterwards, never of the flow.
 *
 * Listing names a POSIX file system cannot hold (`..`, `a/b`, NUL) cannot be put on a real server:
 * the lying-sftp/ftp-server test harnesses cover those. Here the run proves instead that nothing
 * beside the inbox changed: a sibling folder and the server's root entries are compared before and after.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { appendFile, lstat, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContentServerSim } from '../sim/content-server';
import type { Runtime } from '../sandbox/node-red-process';
import type { DevServers } from '../servers';
import { documentsIn, filesBelow, sha256 } from './inspect';
import { ChaosNodeRed, sleep, type FlowNodeJson } from './node-red';
import { csConnectionNode, serverConfigNode } from './flow-parts';
import { Random } from './random';

export interface HostileOptions {
  servers: DevServers;
  sim: ContentServerSim;
  runtime: Runtime;
  protocol: 'sftp' | 'ftp';
  seed: number;
  /** Good CSV files beside the hostile ones (default 4). */
  goodFiles?: number;
  /** How long the growing file keeps growing once the flow runs (default 25 s: two polls or more of 10 s see it change). */
  growMs?: number;
  /** Size of the one-line CSV (default 3 MB, three times the validate node's default row limit). */
  hugeLineBytes?: number;
  /**
   * How long after the growing file stopped everything must be done (default 150 s: an empty file
   * waits a minute by default, up to two on FTP, whose listings give whole minutes).
   */
  drainWithinMs?: number;
  /**
   * Watch settings instead of the node's defaults (10 s polls, empty files after 60 s), for a short
   * run: `npm test` polls every 2 s and takes empty files after 5 s, so the same inputs are judged
   * the same way in a fraction of the time; `npm run chaos` keeps the defaults.
   */
  watch?: { intervalSeconds?: number; emptyMinAgeSeconds?: number };
  log?: (line: string) => void;
}

export interface HostileResult {
  line: string;
  violations: string[];
}

/** One input file and what must become of it. */
interface Input {
  name: string;
  sha: string;
  /** Undefined: a good file, to be delivered. Otherwise the validation rule its report must name. */
  failsRule?: 'nonEmpty' | 'csv' | 'magic';
  /** A name the watch refuses to list (a `..` between backslashes): left where it is, with a warning. */
  refused?: boolean;
}

const HEADER = 'Invoice,Amount,Vendor\n';

/** The rules a user sets for invoices: csv or pdf, not empty, the right content type, three named columns. */
export const HOSTILE_RULES = {
  extOn: true,
  extensions: 'csv, pdf',
  nonEmptyOn: true,
  magicOn: true,
  csvOn: true,
  csvExtensions: 'csv',
  csvHeader: true,
  csvRequired: 'Invoice, Amount, Vendor',
  csvColumnCount: '3',
  csvColumns: '{"Amount": {"type": "number"}}',
};

export function hostileFlow(o: HostileOptions, inbox: string, csFolder: string): FlowNodeJson[] {
  return [
    { id: 'hostile-tab', type: 'tab', label: 'hostile inputs' },
    serverConfigNode('hostile-srv', o.servers, o.protocol),
    csConnectionNode('hostile-cs', o.sim),
    { id: 'hostile-watch', type: 'filebridge-watch', z: 'hostile-tab', server: 'hostile-srv', folder: inbox, ...o.watch, wires: [['hostile-validate']] },
    { id: 'hostile-validate', type: 'filebridge-validate', z: 'hostile-tab', ...HOSTILE_RULES, wires: [['hostile-upload'], ['hostile-quarantine']] },
    { id: 'hostile-upload', type: 'filebridge-cs-upload', z: 'hostile-tab', connection: 'hostile-cs', folder: csFolder, wires: [['hostile-ack']] },
    { id: 'hostile-ack', type: 'filebridge-ack', z: 'hostile-tab', action: 'archive', wires: [[]] },
    { id: 'hostile-catch', type: 'catch', z: 'hostile-tab', scope: null, uncaught: false, wires: [['hostile-quarantine']] },
    { id: 'hostile-quarantine', type: 'filebridge-quarantine', z: 'hostile-tab', wires: [[]] },
  ];
}

function csvRows(random: Random, rows: number): string {
  let text = HEADER;
  for (let i = 0; i < rows; i++) text += `${random.int(1, 999_999)},${random.int(0, 99_999)}.${random.int(10, 99)},V${random.int(1, 99)}\n`;
  return text;
}

/** path -> sha256, mtime (and type) of every file and folder below `dir`, or of its entries only. */
async function snapshot(dir: string, deep: boolean): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string, rel: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      const key = rel === '' ? e.name : `${rel}/${e.name}`;
      try {
        const st = await lstat(full);
        if (e.isFile()) out[key] = `file ${st.size} ${st.mtimeMs} ${sha256(await readFile(full))}`;
        else out[key] = `${e.isDirectory() ? 'dir' : 'other'} ${st.mtimeMs} ${st.mode}`;
      } catch (err) {
        // Moved away between the listing and the read (a running watch claims files): not there any more.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      if (deep && e.isDirectory()) await walk(full, key);
    }
  };
  await walk(dir, '');
  return out;
}

function differences(before: Record<string, string>, after: Record<string, string>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => before[k] !== after[k]).map((k) => `${k}: ${before[k] ?? 'absent'} -> ${after[k] ?? 'absent'}`);
}

/** A header and one row of `rowBytes` (a quoted field of x's) written to disk in pieces, never whole in memory; its sha256. */
async function writeHugeLine(servers: DevServers, rel: string, rowBytes: number): Promise<string> {
  const hash = createHash('sha256');
  await servers.writeFile(rel, HEADER); // owned by the test user, like every file the server must move
  hash.update(HEADER);
  const out = createWriteStream(servers.localPath(rel), { flags: 'a' });
  const write = async (chunk: Buffer): Promise<void> => {
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  };
  const head = Buffer.from('1,2.5,"');
  const tail = Buffer.from('"\n');
  await write(head);
  const piece = Buffer.alloc(64 * 1024, 'x');
  for (let left = rowBytes - head.length - tail.length; left > 0; left -= piece.length) await write(piece.subarray(0, Math.min(left, piece.length)));
  await write(tail);
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(resolve);
  });
  return hash.digest('hex');
}

export async function runHostile(o: HostileOptions): Promise<HostileResult> {
  const log = o.log ?? (() => undefined);
  const random = new Random(o.seed);
  const id = `chaos-hostile-${o.protocol}-${o.seed}`;
  const inbox = `${id}/inbox`;
  const sibling = `${id}/sibling`;
  const csPath = ['Chaos', id];
  await o.servers.remove(id);
  await o.servers.mkdirp(inbox);
  // A neighbour a path leading out of the inbox would reach first.
  await o.servers.writeFile(`${sibling}/keep.csv`, csvRows(random, 3));
  await o.servers.writeFile(`${sibling}/nested/keep.pdf`, '%PDF-1.4\n% not for the watch\n');

  const inputs: Input[] = [];
  const put = async (name: string, data: string | Buffer, failsRule?: Input['failsRule']): Promise<void> => {
    await o.servers.writeFile(`${inbox}/${name}`, data);
    inputs.push({ name, sha: sha256(Buffer.from(data)), failsRule });
  };
  for (let i = 0; i < (o.goodFiles ?? 4); i++) await put(`good-${i + 1}.csv`, csvRows(random, random.int(1, 400)));
  // Legal POSIX names: a backslash is a character, not a folder separator.
  await put('a\\b.csv', csvRows(random, 5));
  await put('c\\d.pdf', 'not a PDF at all, just text named .pdf\n', 'magic');
  // A ".." between backslashes leads out of the folder on a server that reads "\\" as a separator: the
  // watch leaves it out of its listings with a warning, and it must stay where it is, untouched.
  await o.servers.writeFile(`${inbox}/x\\..\\..\\fake.pdf`, 'not a PDF either\n');
  inputs.push({ name: 'x\\..\\..\\fake.pdf', sha: sha256(Buffer.from('not a PDF either\n')), refused: true });
  // 255 bytes of UTF-8 (Ü is two bytes), the longest name a Linux file system holds.
  await put(`${'Ü'.repeat(125)}g.csv`, csvRows(random, 7));
  await put(`${'Ü'.repeat(125)}b.csv`, `${HEADER}1,2.5,V1,extra\n`, 'csv');
  await put('empty.csv', '', 'nonEmpty');
  // The transfer that delivered these stopped half way: a row cut after its second field, and one inside a quoted field.
  await put('truncated.csv', `${csvRows(random, 20)}77,12.5`, 'csv');
  await put('unclosed.csv', `${csvRows(random, 20)}78,13.5,"Vend`, 'csv');
  await put('fake.pdf', `${HEADER}1,2.5,V1\n`, 'magic');
  const hugeBytes = o.hugeLineBytes ?? 3 * 1024 * 1024;
  inputs.push({ name: 'huge-line.csv', sha: await writeHugeLine(o.servers, `${inbox}/huge-line.csv`, hugeBytes), failsRule: 'csv' });
  for (const name of inputs.map((i) => i.name)) {
    const bytes = Buffer.byteLength(name);
    if (bytes > 255) throw new Error(`test input name too long: ${bytes} bytes`);
  }

  // The growing file: its writer appends rows until the end of the growth phase.
  const growing = 'growing.csv';
  const growHash = createHash('sha256');
  await o.servers.writeFile(`${inbox}/${growing}`, HEADER);
  growHash.update(HEADER);

  const refusedBefore = await snapshot(o.servers.localPath(inbox), false);
  const rootBefore = await snapshot(o.servers.root, false);
  // The run's folder: the inbox itself changes (its own time), nothing else in it may.
  const besideInbox = async (): Promise<Record<string, string>> => {
    const entries = await snapshot(o.servers.localPath(id), false);
    delete entries.inbox;
    return entries;
  };
  const idBefore = await besideInbox();
  const siblingBefore = await snapshot(o.servers.localPath(sibling), true);

  const userDir = await mkdtemp(join(tmpdir(), 'filebridge-chaos-hostile-'));
  const red = new ChaosNodeRed(o.runtime, userDir);
  const violations: string[] = [];
  try {
    await red.prepare();
    await red.start();
    await red.deploy(hostileFlow(o, inbox, `Enterprise:${csPath.join('/')}`));
    const growUntil = Date.now() + (o.growMs ?? 25_000);
    let appends = 0;
    while (Date.now() < growUntil) {
      const rows = csvRows(random, random.int(1, 20)).slice(HEADER.length);
      await appendFile(o.servers.localPath(`${inbox}/${growing}`), rows);
      growHash.update(rows);
      appends++;
      await sleep(random.int(100, 400));
    }
    inputs.push({ name: growing, sha: growHash.digest('hex') });
    log(`  ${growing}: ${appends} appends, then left alone`);
    const grownAt = Date.now();
    const within = o.drainWithinMs ?? 150_000;

    const local = (rel: string): string => o.servers.localPath(`${inbox}/${rel}`);
    const good = inputs.filter((i) => !i.failsRule && !i.refused);
    const bad = inputs.filter((i) => i.failsRule);
    const refused = inputs.filter((i) => i.refused);
    const state = async (): Promise<{ inboxLeft: number; claimed: number; quarantined: number; reports: number; delivered: number }> => {
      const inboxLeft = (await filesBelow(o.servers.localPath(inbox))).filter((f) => !f.path.includes('/.filebridge/')).length - refused.length;
      const claimed = (await filesBelow(local('.filebridge/processing'))).length;
      const failed = await filesBelow(local('.filebridge/failed'));
      const docs = documentsIn(o.sim, csPath);
      return {
        inboxLeft,
        claimed,
        quarantined: failed.filter((f) => !f.path.endsWith('.error.json')).length,
        reports: failed.filter((f) => f.path.endsWith('.error.json')).length,
        delivered: docs.length,
      };
    };
    let drainedAfterMs: number | undefined;
    while (Date.now() - grownAt < within) {
      const s = await state();
      if (s.inboxLeft === 0 && s.claimed === 0 && s.reports === s.quarantined && s.quarantined + s.delivered >= good.length + bad.length) {
        drainedAfterMs = Date.now() - grownAt;
        break;
      }
      await sleep(500);
    }
    // Anything left over would come round at the next poll (10 s by default): watch one more.
    await sleep((o.watch?.intervalSeconds ?? 10) * 1000 + 1000);
    const alive = red.pid() !== undefined;
    await red.stop();

    // Content Server: every good file once, whole, under its own name; no bad file there.
    const docs = documentsIn(o.sim, csPath);
    let deliveredOnce = 0;
    for (const input of inputs) {
      const holding = docs.filter((d) => d.shas.includes(input.sha));
      if (input.failsRule || input.refused) {
        if (holding.length > 0)
          violations.push(`bad file ${JSON.stringify(input.name)} reached Content Server as ${holding.map((d) => JSON.stringify(d.name)).join(', ')}`);
        continue;
      }
      if (holding.length === 1 && holding[0].shas.length === 1) deliveredOnce++;
      else
        violations.push(
          `${JSON.stringify(input.name)} is in ${holding.length} Content Server documents (${holding.map((d) => d.shas.length).join('+')} versions), expected once`,
        );
      if (holding.length === 1 && holding[0].name !== input.name)
        violations.push(`${JSON.stringify(input.name)} arrived as ${JSON.stringify(holding[0].name)}`);
    }
    const known = new Set(inputs.map((i) => i.sha));
    for (const doc of docs) {
      for (const sha of doc.shas)
        if (!known.has(sha)) violations.push(`Content Server holds ${JSON.stringify(doc.name)} with bytes no input had (a part of a file?)`);
    }

    // Quarantine: every bad file once, with its report naming the code and the failing rule.
    const failed = await filesBelow(local('.filebridge/failed'));
    const reports = await Promise.all(
      failed
        .filter((f) => f.path.endsWith('.error.json'))
        .map(async (f) => {
          const report = JSON.parse(await readFile(f.path, 'utf8')) as {
            file: string;
            quarantinedPath: string;
            error: { code?: string; message: string };
            validation?: { rule: string; reason: string }[];
          };
          return report;
        }),
    );
    const quarantinedFiles = failed.filter((f) => !f.path.endsWith('.error.json'));
    const codes = new Map<string, number>();
    for (const r of reports) codes.set(r.error.code ?? 'none', (codes.get(r.error.code ?? 'none') ?? 0) + 1);
    let quarantinedRight = 0;
    for (const input of bad) {
      const files = quarantinedFiles.filter((f) => f.sha === input.sha);
      const mine = reports.filter((r) => r.file === input.name);
      if (files.length !== 1) violations.push(`bad file ${JSON.stringify(input.name)} is in the quarantine folder ${files.length} times, expected once`);
      if (mine.length !== 1) {
        violations.push(`bad file ${JSON.stringify(input.name)} has ${mine.length} quarantine reports, expected one`);
        continue;
      }
      const r = mine[0];
      const rules = (r.validation ?? []).map((v) => v.rule);
      if (r.error.code !== 'VALIDATION')
        violations.push(`${JSON.stringify(input.name)} was quarantined with code ${r.error.code ?? 'none'} (${r.error.message}), expected VALIDATION`);
      else if (!rules.includes(input.failsRule!))
        violations.push(`${JSON.stringify(input.name)}: the report lists rules [${rules.join(', ')}], not ${input.failsRule}`);
      else if (files.length === 1) quarantinedRight++;
      if (files.length === 1 && !files[0].path.endsWith(r.quarantinedPath.split('/').pop() ?? '\0'))
        violations.push(`the report of ${JSON.stringify(input.name)} names ${r.quarantinedPath}, the file is at ${files[0].path}`);
    }
    for (const r of reports) {
      if (!bad.some((b) => b.name === r.file))
        violations.push(`good file ${JSON.stringify(r.file)} was quarantined: ${r.error.code ?? 'no code'}: ${r.error.message}`);
    }

    // Nothing lost: every input is in Content Server or in the quarantine folder.
    // Refused names: still in the inbox, untouched, and Node-RED said why.
    const inboxAfter = await snapshot(o.servers.localPath(inbox), false);
    let refusedRight = 0;
    for (const r of refused) {
      const warned = red.output().includes(`The server listed "${JSON.stringify(r.name).slice(1, -1)}" in ${inbox}`);
      if (inboxAfter[r.name] === undefined || inboxAfter[r.name] !== refusedBefore[r.name])
        violations.push(`refused file ${JSON.stringify(r.name)} was moved or changed`);
      else if (!warned) violations.push(`refused file ${JSON.stringify(r.name)} was left out without a warning naming it`);
      else refusedRight++;
    }
    const lost = inputs.filter(
      (i) => !docs.some((d) => d.shas.includes(i.sha)) && !quarantinedFiles.some((f) => f.sha === i.sha) && !(i.refused && inboxAfter[i.name] !== undefined),
    );
    for (const i of lost) violations.push(`${JSON.stringify(i.name)} is lost: neither in Content Server nor quarantined`);
    // The good files were archived once each; nothing is left in the inbox or claimed.
    const archived = await filesBelow(local('.filebridge/archive'));
    const notArchivedOnce = good.filter((g) => archived.filter((a) => a.sha === g.sha).length !== 1);
    if (notArchivedOnce.length > 0) violations.push(`not archived exactly once: ${notArchivedOnce.map((g) => JSON.stringify(g.name)).join(', ')}`);
    const left = (await filesBelow(o.servers.localPath(inbox))).filter(
      (f) => !f.path.includes('/.filebridge/') && !refused.some((r) => f.path === o.servers.localPath(`${inbox}/${r.name}`)),
    );
    if (left.length > 0) violations.push(`left in the inbox: ${left.map((f) => f.path).join(', ')}`);
    const claims = await filesBelow(local('.filebridge/processing'));
    if (claims.length > 0) violations.push(`left in the claim folder: ${claims.map((f) => f.path).join(', ')}`);

    // Nothing outside the inbox touched.
    const touched = [
      ...differences(rootBefore, await snapshot(o.servers.root, false)).map((d) => `server root: ${d}`),
      ...differences(idBefore, await besideInbox()).map((d) => `${id}: ${d}`),
      ...differences(siblingBefore, await snapshot(o.servers.localPath(sibling), true)).map((d) => `${sibling}: ${d}`),
    ];
    for (const t of touched) violations.push(`outside the inbox: ${t}`);
    if (!alive) violations.push('Node-RED died');
    if (drainedAfterMs === undefined) violations.push(`not drained within ${within / 1000} s after the growing file stopped`);

    const line =
      `chaos hostile protocol=${o.protocol} seed=${o.seed} files=${inputs.length} delivered_once=${deliveredOnce} expected_delivered=${good.length} ` +
      `quarantined=${quarantinedFiles.length} quarantined_right=${quarantinedRight} expected_quarantined=${bad.length} ` +
      `refused_in_place=${refusedRight} expected_refused=${refused.length} lost=${lost.length} ` +
      `outside_touched=${touched.length} codes=${[...codes].map(([c, n]) => `${c}:${n}`).join(',') || 'none'} alive=${alive} ` +
      `drained_after_s=${drainedAfterMs === undefined ? 'never' : (drainedAfterMs / 1000).toFixed(1)}`;
    if (violations.length > 0) log(red.output().split('\n').slice(-60).join('\n'));
    return { line, violations };
  } finally {
    await red.stop().catch(() => undefined);
    await rm(userDir, { recursive: true, force: true });
  }
}
