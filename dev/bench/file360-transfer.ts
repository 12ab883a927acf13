/**
 * Part `file360` of `npm run bench`: a file (1 GiB, 32 MiB with --quick) up and down through the File 360 simulator with our
 * client (`openFile360Client`: the multipart upload built as a stream with Content-Length, the
 * content download as a stream), next to `curl` against the same simulator in the same run,
 * alternating so both see the same machine load. The simulator runs as its own process
 * (`node build/dev/sim/file360/cli.js`), so its memory and CPU are not charged to ours; the peak RSS
 * of the bench process is sampled during the File 360 uploads and downloads.
 *
 * curl's setting (its fastest sensible one): uploads `curl -sS --fail -H 'Authorization: Bearer ..'
 * -H 'Expect:' -F parentId=<id> -F file=@<source> <url>/api/v3/documents?collisionStrategy=overwrite`
 * (one multipart request, the route and fields our client sends; the token from the simulator's token
 * endpoint by the same password grant, fetched once and not timed); downloads `curl -sS --fail -H
 * 'Authorization: Bearer ..' <url>/api/v1/documents/<id>/content -o /dev/null`.
 */
import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { openFile360Client, type File360Client } from '../../src/core/file360';
import { drain, peakGrowthRow, randomFile, rateRow, startSimProcess, stopSimProcess, timed, type SimProcess as SimProcessOf } from './sim-process';
import { rssSampler } from '../support/rss-sampler';
import { median, type BenchRow } from './report';
import type { BenchContext, BenchSection } from './section';

const MiB = 1024 * 1024;
/** The raw client rows' target since the first bench: 0.8x curl against the same simulator. */

/** The simulator's start line. */
interface SimInfo {
  url: string;
  ssoUrl: string;
  clientId: string;
  clientSecret: string;
  user: string;
  password: string;
}
type SimProcess = SimProcessOf<SimInfo>;

/** The simulator's record of a document (`GET /_sim/state`): size and sha256. */
async function simDocument(sim: SimProcess, id: string): Promise<{ size: number; sha256: string } | undefined> {
  const state = (await (await fetch(`${sim.url}/_sim/state`)).json()) as { documents: { id: string; size: number; sha256: string }[] };
  const d = state.documents.find((x) => x.id === id);
  return d === undefined ? undefined : { size: d.size, sha256: d.sha256 };
}

/** An access token for curl, by the same password grant our client uses (not timed). */
async function accessToken(sim: SimProcess): Promise<string> {
  const res = await fetch(`${sim.ssoUrl}/otdsws/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
      username: sim.user,
      password: sim.password,
    }).toString(),
  });
  if (res.status !== 200) throw new Error(`token request at the File 360 simulator: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** The id out of an upload answer's JSON text, kept a string (ids are above 2^53). */
function idFromAnswer(text: string): string {
  const m = /"id"\s*:\s*"?(\d+)"?/.exec(text);
  if (!m?.[1]) throw new Error(`no id in the upload answer: ${text.slice(0, 200)}`);
  return m[1];
}

/**
 * Uploads and downloads `source` (`size` bytes, sha256 `sourceSha`) `runs` times each way, ours and
 * curl alternating; every upload is checked against the source's sha256 in the simulator's state, and
 * one extra download of ours is hashed in the consumer.
 */
export async function benchFile360(
  source: string,
  size: number,
  sourceSha: string,
  runs: number,
  work: string,
  log: (line: string) => void,
): Promise<BenchRow[]> {
  const simDir = join(work, 'file360-sim');
  await mkdir(simDir, { recursive: true });
  const mbps = (ms: number): number => size / MiB / (ms / 1000);

  log('Starting the File 360 simulator (its own process)...');
  const sim = await startSimProcess<SimInfo>('file360', 'the File 360 simulator', simDir);
  let client: File360Client | undefined;
  const sampler = rssSampler(20);
  try {
    const token = await accessToken(sim);
    client = openFile360Client({
      apiUrl: sim.url,
      ssoUrl: sim.ssoUrl,
      clientId: sim.clientId,
      clientSecret: sim.clientSecret,
      username: sim.user,
      password: sim.password,
    });
    const c = client;
    const folder = await c.resolveFolder('Bench', { create: true });
    const check = async (what: string, id: string): Promise<void> => {
      const d = await simDocument(sim, id);
      if (d?.size !== size || d.sha256 !== sourceSha)
        throw new Error(`${what} arrived as ${JSON.stringify(d)}, expected ${size} bytes with sha256 ${sourceSha}`);
    };
    const curlUpArgs = [
      '-sS',
      '--fail',
      '-H',
      `Authorization: Bearer ${token}`,
      '-H',
      'Expect:',
      '-F',
      `parentId=${folder.id}`,
      '-F',
      `file=@${source};filename=curl.bin`,
      `${sim.url}/api/v3/documents?collisionStrategy=overwrite`,
    ];

    // Upload first: the download needs the file in the simulator.
    const oursUp: number[] = [];
    const curlUp: number[] = [];
    let documentId = '';
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const doc = await c.upload(folder.id, 'ours.bin', () => createReadStream(source, { highWaterMark: MiB }), { size, collision: 'overwrite' });
      oursUp.push(mbps(performance.now() - started));
      documentId = doc.id;
      await check('our File 360 upload', doc.id);
      const curl = await timed('curl', curlUpArgs);
      curlUp.push(mbps(curl.ms));
      await check('the curl upload', idFromAnswer(curl.stdout));
      log(`  File 360 upload run ${i + 1}/${runs}: ours ${oursUp[i]?.toFixed(0)} MiB/s, curl ${curlUp[i]?.toFixed(0)} MiB/s`);
    }
    const uploadPeak = sampler.peak();

    const downSampler = rssSampler(20);
    const oursDown: number[] = [];
    const curlDown: number[] = [];
    const curlDownArgs = ['-sS', '--fail', '-H', `Authorization: Bearer ${token}`, `${sim.url}/api/v1/documents/${documentId}/content`, '-o', '/dev/null'];
    try {
      for (let i = 0; i < runs; i++) {
        const started = performance.now();
        const bytes = await drain((await c.download(documentId)).stream);
        oursDown.push(mbps(performance.now() - started));
        if (bytes !== size) throw new Error(`File 360 download returned ${bytes} bytes, expected ${size}`);
        curlDown.push(mbps((await timed('curl', curlDownArgs)).ms));
        log(`  File 360 download run ${i + 1}/${runs}: ours ${oursDown[i]?.toFixed(0)} MiB/s, curl ${curlDown[i]?.toFixed(0)} MiB/s`);
      }
      // One more download hashed in the consumer: the bytes are the source's.
      const hash = createHash('sha256');
      const started = performance.now();
      const bytes = await drain((await c.download(documentId)).stream, hash);
      const hashedMbps = mbps(performance.now() - started);
      if (bytes !== size || hash.digest('hex') !== sourceSha) throw new Error('the File 360 download returned different content');
      const section = 'file360';
      const row = (what: string, ours: number, reference?: BenchRow['reference'], note?: string): BenchRow => rateRow(section, what, ours, reference, note);
      const downloadPeak = downSampler.peak();
      return [
        row('File 360 download (simulator, stream, discarded)', median(oursDown), {
          name: '`curl .../api/v1/documents/<id>/content -o /dev/null`',
          value: median(curlDown),
        }),
        row('File 360 download, sha256 in the consumer', hashedMbps, undefined, 'content verified'),
        row('File 360 upload (simulator, one streamed multipart request)', median(oursUp), {
          name: '`curl -F file=@...` to /api/v3/documents',
          value: median(curlUp),
        }),
        peakGrowthRow(section, 'File 360', sampler.baseline, uploadPeak, downloadPeak),
      ];
    } finally {
      downSampler.stop();
    }
  } finally {
    sampler.stop();
    client?.close();
    await stopSimProcess(sim);
  }
}

/** Part `file360`: needs no sshd/vsftpd; the source file is random data written by coreutils. */
export const file360Section: BenchSection = {
  name: 'file360',
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const size = (ctx.quick ? 32 : 1024) * MiB;
    const dir = join(ctx.work, 'file360');
    await mkdir(dir, { recursive: true });
    const source = join(dir, 'data.bin');
    await randomFile(source, size);
    const sha = (await timed('sha256sum', [source])).stdout.split(/\s+/)[0] ?? '';
    return benchFile360(source, size, sha, ctx.runs, dir, ctx.log);
  },
};
