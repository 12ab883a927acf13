/**
 * Part `dropbox` of `npm run bench`: a file (1 GiB, 32 MiB with --quick) down and up through the Dropbox simulator with our
 * client (DropboxSession: streamed download, upload sessions in its default 16 MiB chunks with the
 * content_hash computed while streaming and checked), next to `curl` against the same simulator in
 * the same run. The simulator runs as its own process (`node build/dev/sim/dropbox/cli.js`), so its
 * memory and CPU are not charged to ours; the peak RSS of the bench process is sampled during the
 * Dropbox transfers only.
 *
 * curl's setting (its fastest sensible one): downloads `curl -sS -X POST <url>/2/files/download -o
 * /dev/null` with the Dropbox-API-Arg header; uploads one upload session of 128 MiB appends
 * (`-T chunk`, no `Expect: 100-continue`; Dropbox allows at most 150 MiB per request), the file split
 * into the chunks beforehand (not timed), then `upload_session/finish`.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ContentHasher } from '../sim/dropbox/content-hash';
import { openDropboxSession, type DropboxSession } from '../../src/core/dropbox';
import { drain, peakGrowthRow, randomFile, rateRow, startSimProcess, stopSimProcess, timed, type SimProcess as SimProcessOf } from './sim-process';
import { rssSampler } from '../support/rss-sampler';
import { batchRows, benchDropboxBatch } from './dropbox-batch';
import { median, type BenchRow } from './report';
import type { BenchContext, BenchSection } from './section';

const MiB = 1024 * 1024;
const CURL_CHUNK = 128 * MiB;
/** The raw client rows' target since the first bench: 0.8x curl against the same simulator. */

/** The simulator's start line. */
interface SimInfo {
  url: string;
  appKey: string;
  refreshToken: string;
}
type SimProcess = SimProcessOf<SimInfo>;

/** Dropbox's content_hash of a local file, streamed (no whole file in memory). */
async function contentHashOf(path: string): Promise<string> {
  const hasher = new ContentHasher();
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * MiB })) hasher.update(chunk as Buffer);
  return hasher.hex();
}

/** The simulator's record of a file (`GET /_sim/state`): size and content_hash. */
async function simFile(sim: SimProcess, path: string): Promise<{ size: number; content_hash: string } | undefined> {
  const state = (await (await fetch(`${sim.url}/_sim/state`)).json()) as {
    namespaces: { kind: string; entries: { path_lower: string; size?: number; content_hash?: string }[] }[];
  };
  const e = state.namespaces.find((n) => n.kind === 'home')?.entries.find((x) => x.path_lower === path.toLowerCase());
  return e?.size === undefined || e.content_hash === undefined ? undefined : { size: e.size, content_hash: e.content_hash };
}

/** An access token for curl, by the same refresh-token grant our client uses. */
async function accessToken(sim: SimProcess): Promise<string> {
  const res = await fetch(`${sim.url}/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: sim.refreshToken, client_id: sim.appKey }).toString(),
  });
  if (res.status !== 200) throw new Error(`token refresh at the Dropbox simulator: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** One curl upload session: start with the first chunk, append the rest, finish with an empty body. */
const CURL_UPLOAD_SCRIPT = `
set -e
token=$1; url=$2; dir=$3; dest=$4
auth="Authorization: Bearer $token"
sid=""; off=0
for f in "$dir"/chunk.*; do
  n=$(stat -c %s "$f")
  if [ -z "$sid" ]; then
    sid=$(curl -sS --fail -X POST -H "$auth" -H 'Expect:' -H 'Content-Type: application/octet-stream' -H 'Dropbox-API-Arg: {"close":false}' -T "$f" "$url/2/files/upload_session/start" | sed 's/.*"session_id": *"\\([^"]*\\)".*/\\1/')
  else
    curl -sS --fail -X POST -H "$auth" -H 'Expect:' -H 'Content-Type: application/octet-stream' -H "Dropbox-API-Arg: {\\"cursor\\":{\\"session_id\\":\\"$sid\\",\\"offset\\":$off},\\"close\\":false}" -T "$f" "$url/2/files/upload_session/append_v2" -o /dev/null
  fi
  off=$((off + n))
done
curl -sS --fail -X POST -H "$auth" -H 'Content-Type: application/octet-stream' -H "Dropbox-API-Arg: {\\"cursor\\":{\\"session_id\\":\\"$sid\\",\\"offset\\":$off},\\"commit\\":{\\"path\\":\\"$dest\\",\\"mode\\":\\"overwrite\\"}}" --data-binary '' "$url/2/files/upload_session/finish" -o /dev/null
`;

/**
 * Downloads and uploads `source` (`size` bytes) `runs` times each way, ours and curl alternating so
 * both see the same machine load; every upload is checked against the source's content_hash, and one
 * extra download of ours is hashed in the consumer.
 */
export async function benchDropbox(source: string, size: number, runs: number, work: string, log: (line: string) => void): Promise<BenchRow[]> {
  const simDir = join(work, 'dropbox-sim');
  const chunkDir = join(work, 'dropbox-chunks');
  await mkdir(simDir, { recursive: true });
  await mkdir(chunkDir, { recursive: true });
  const mbps = (ms: number): number => size / MiB / (ms / 1000);
  const expectedHash = await contentHashOf(source);
  // curl's upload chunks, cut by coreutils beforehand: not timed, not in this process.
  await timed('split', ['-b', String(CURL_CHUNK), '-d', '-a', '3', source, join(chunkDir, 'chunk.')]);
  if ((await readdir(chunkDir)).length === 0) throw new Error('split wrote no chunks');

  log('Starting the Dropbox simulator (its own process)...');
  const sim = await startSimProcess<SimInfo>('dropbox', 'the Dropbox simulator', simDir);
  let session: DropboxSession | undefined;
  const sampler = rssSampler(20);
  try {
    const token = await accessToken(sim);
    session = await openDropboxSession({ appKey: sim.appKey, refreshToken: sim.refreshToken, serviceUrl: sim.url });
    const s = session;
    const check = async (what: string, path: string): Promise<void> => {
      const f = await simFile(sim, path);
      if (f?.size !== size || f.content_hash !== expectedHash) {
        throw new Error(`${what} arrived as ${JSON.stringify(f)}, expected ${size} bytes with content_hash ${expectedHash}`);
      }
    };

    // Upload first: the download needs the file in the simulator.
    const oursUp: number[] = [];
    const curlUp: number[] = [];
    for (let i = 0; i < runs; i++) {
      sampler.peak();
      const started = performance.now();
      const written = await s.write('/Bench/ours.bin', createReadStream(source, { highWaterMark: MiB }));
      oursUp.push(mbps(performance.now() - started));
      if (written !== size) throw new Error(`Dropbox upload reported ${written} bytes, expected ${size}`);
      await check('our Dropbox upload', '/Bench/ours.bin');
      curlUp.push(mbps((await timed('sh', ['-c', CURL_UPLOAD_SCRIPT, 'sh', token, sim.url, chunkDir, '/Bench/curl.bin'])).ms));
      await check('the curl upload', '/Bench/curl.bin');
      log(`  Dropbox upload run ${i + 1}/${runs}: ours ${oursUp[i]?.toFixed(0)} MiB/s, curl ${curlUp[i]?.toFixed(0)} MiB/s`);
    }

    const uploadPeak = sampler.peak();
    const downSampler = rssSampler(20);
    const oursDown: number[] = [];
    const curlDown: number[] = [];
    const curlDownArgs = [
      '-sS',
      '--fail',
      '-X',
      'POST',
      '-H',
      `Authorization: Bearer ${token}`,
      '-H',
      'Dropbox-API-Arg: {"path":"/Bench/ours.bin"}',
      `${sim.url}/2/files/download`,
      '-o',
      '/dev/null',
    ];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const bytes = await drain(await s.createReadStream('/Bench/ours.bin'));
      oursDown.push(mbps(performance.now() - started));
      if (bytes !== size) throw new Error(`Dropbox download returned ${bytes} bytes, expected ${size}`);
      curlDown.push(mbps((await timed('curl', curlDownArgs)).ms));
      log(`  Dropbox download run ${i + 1}/${runs}: ours ${oursDown[i]?.toFixed(0)} MiB/s, curl ${curlDown[i]?.toFixed(0)} MiB/s`);
    }
    // One more download hashed in the consumer: the bytes are the source's.
    const hasher = new ContentHasher();
    const started = performance.now();
    for await (const chunk of await s.createReadStream('/Bench/ours.bin')) hasher.update(chunk as Buffer);
    const hashedMbps = mbps(performance.now() - started);
    if (hasher.size !== size || hasher.hex() !== expectedHash) throw new Error('the Dropbox download returned different content');
    const downloadPeak = downSampler.peak();
    downSampler.stop();

    const section = 'dropbox';
    const row = (what: string, ours: number, reference?: BenchRow['reference'], note?: string): BenchRow => rateRow(section, what, ours, reference, note);
    return [
      row('Dropbox download (simulator, stream, discarded)', median(oursDown), {
        name: '`curl -X POST .../2/files/download -o /dev/null`',
        value: median(curlDown),
      }),
      row('Dropbox download, content_hash in the consumer', hashedMbps, undefined, 'content verified'),
      row('Dropbox upload (simulator, upload session, 16 MiB chunks)', median(oursUp), {
        name: '`curl -T` upload session, 128 MiB chunks',
        value: median(curlUp),
      }),
      peakGrowthRow(section, 'Dropbox', sampler.baseline, uploadPeak, downloadPeak),
    ];
  } finally {
    sampler.stop();
    await session?.close().catch(() => undefined);
    await stopSimProcess(sim);
  }
}

/**
 * Part `dropbox`: needs no sshd/vsftpd; the source file is random data written by coreutils. Then
 * many small files into one account, single commits against batches (dropbox-batch.ts).
 */
export const dropboxSection: BenchSection = {
  name: 'dropbox',
  async run(ctx: BenchContext): Promise<BenchRow[]> {
    const size = (ctx.quick ? 32 : 1024) * MiB;
    const dir = join(ctx.work, 'dropbox');
    await mkdir(dir, { recursive: true });
    const source = join(dir, 'data.bin');
    await randomFile(source, size);
    const rows = await benchDropbox(source, size, ctx.runs, dir, ctx.log);
    const files = ctx.quick ? 50 : 200;
    ctx.log(`  ${files} small files into one Dropbox account, single commits vs batches (simulator in this process)...`);
    return [...rows, ...batchRows(await benchDropboxBatch(files, 8))];
  },
};
