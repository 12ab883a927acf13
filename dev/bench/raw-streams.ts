/**
 * The "raw" part of `npm run bench`: our SFTP and FTP streams alone (no Node-RED), download and
 * upload of one random file, next to OpenSSH's `sftp` and `lftp` against the same sshd and vsftpd,
 * on the same file, in the same run, ours and the reference alternating run by run.
 *
 * The references run at their fastest setting: a full run first times every candidate setting once
 * per direction on a quarter-size file (`REFERENCE_SETTINGS`) and measures with the fastest; a quick
 * run takes the first candidate, the one that was fastest on the development machine. Besides the
 * medians, each row's note gives the median of the run-by-run ratios, which holds better than the
 * ratio of medians when the machine's speed drifts during the run.
 *
 * CPU seconds per GiB: ours is this process's `process.cpuUsage()` around the transfer; a client's
 * is what the kernel charged to it and to its own children (`sftp` runs `ssh`, which does the
 * crypto) once they were reaped, read from this process's cutime/cstime. The servers' CPU is in
 * neither.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { chmod, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DevServers } from '../servers';
import { benchConnection, devServerOptions } from '../support/server-options';
import { openFtpSession } from '../../src/core/remote/ftp-session';
import { openSftpSession } from '../../src/core/remote/sftp-session';
import type { RemoteSession } from '../../src/core/remote/types';
import { median, type BenchRow } from './report';
import { randomFile } from './sim-process';
import type { BenchContext, BenchSection } from './section';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const TARGET = { ratio: 0.9 };
/** USER_HZ, as in dev/support/proc-stats.ts. */
const TICKS_PER_SECOND = 100;

type Direction = 'download' | 'upload';

interface Setting {
  /** How the README names it. */
  name: string;
  args: string[];
}

/**
 * Candidate settings of each reference, fastest on the development machine first. OpenSSH: the
 * cipher our client prefers too, 256 requests in flight, and the request size (-B; the default is
 * 32 KiB, the server accepts up to 255 KiB per write, 256 KiB refused). lftp: one connection (pget's parallel segments would
 * be several connections against our one), its read/write buffer and the socket buffers.
 */
const REFERENCE_SETTINGS: Record<'sftp' | 'lftp', Setting[]> = {
  sftp: [
    { name: '-c aes128-gcm@openssh.com -R 256 -B 261120', args: ['-c', 'aes128-gcm@openssh.com', '-R', '256', '-B', '261120'] },
    { name: '-c aes128-gcm@openssh.com -R 256', args: ['-c', 'aes128-gcm@openssh.com', '-R', '256'] },
    { name: '-c aes128-gcm@openssh.com -R 256 -B 65536', args: ['-c', 'aes128-gcm@openssh.com', '-R', '256', '-B', '65536'] },
  ],
  lftp: [
    { name: 'xfer:buffer-size 256k', args: ['set xfer:buffer-size 262144'] },
    { name: 'defaults', args: [] },
    { name: 'xfer:buffer-size 1M, net:socket-buffer 4M', args: ['set xfer:buffer-size 1048576', 'set net:socket-buffer 4194304'] },
  ],
};

interface Measured {
  ms: number;
  cpuSeconds: number;
}

/** CPU seconds of this process's reaped children (cutime + cstime). */
function childCpuSeconds(): number {
  const text = readFileSync('/proc/self/stat', 'utf8');
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[13]) + Number(rest[14])) / TICKS_PER_SECOND;
}

/** Runs a client with `input` on stdin; wall time, and its CPU (with its children's) once reaped. */
function runClient(command: string, args: string[], input: string): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const cpuBefore = childCpuSeconds();
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve({ ms, cpuSeconds: childCpuSeconds() - cpuBefore });
      else reject(new Error(`${command} exited with ${code}: ${stderr.trim()}`));
    });
    child.stdin.end(input);
  });
}

async function ours(transfer: () => Promise<void>): Promise<Measured> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await transfer();
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { ms, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

function shell(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}

async function sha256File(path: string): Promise<string> {
  return (await shell('sha256sum', [path])).split(/\s+/)[0] ?? '';
}

/** Reads a stream to its end into a sink that discards it (as the clients write to /dev/null). */
async function drainTo(stream: Readable, hash?: ReturnType<typeof createHash>): Promise<number> {
  let bytes = 0;
  await pipeline(
    stream,
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        hash?.update(chunk);
        bytes += chunk.length;
        done();
      },
    }),
  );
  return bytes;
}

/** One protocol's measurements, the same for SFTP and FTP. */
interface Protocol {
  label: 'SFTP' | 'FTP';
  referenceLabel: string;
  settings: Setting[];
  /** Our download of `remote`, discarded; resolves with the bytes read. */
  download(hash?: ReturnType<typeof createHash>): Promise<number>;
  /** Our upload of the source file to `target`; resolves with the bytes the server acknowledged. */
  upload(target: string): Promise<number>;
  /** The reference moving `file` (its remote path and its local copy) in `direction`. */
  reference(setting: Setting, direction: Direction, target: string, file: BenchFile): Promise<Measured>;
}

interface BenchFile {
  remote: string;
  local: string;
  size: number;
}

interface PairResult {
  ours: number[];
  oursCpu: number[];
  reference: number[];
  referenceCpu: number[];
}

async function measureProtocol(
  ctx: BenchContext,
  s: DevServers,
  p: Protocol,
  file: BenchFile,
  calibration: BenchFile | undefined,
  sourceSha: string,
): Promise<BenchRow[]> {
  const size = file.size;
  const mibps = (m: Measured, bytes = size): number => bytes / MiB / (m.ms / 1000);
  const perGiB = (m: Measured): number => (m.cpuSeconds * GiB) / size;
  const uploadTarget = `bench/raw-${p.label.toLowerCase()}-ours.bin`;
  const referenceTarget = `bench/raw-${p.label.toLowerCase()}-reference.bin`;

  // Content first, untimed: a bench that times a broken transfer is worse than none.
  const hash = createHash('sha256');
  const read = await p.download(hash);
  if (read !== size || hash.digest('hex') !== sourceSha) throw new Error(`${p.label} download returned wrong data (${read} of ${size} bytes)`);

  const fastest: Record<Direction, Setting> = { download: p.settings[0] as Setting, upload: p.settings[0] as Setting };
  if (calibration !== undefined && p.settings.length > 1) {
    for (const direction of ['download', 'upload'] as const) {
      let best = Infinity;
      for (const setting of p.settings) {
        const m = await p.reference(setting, direction, referenceTarget, calibration);
        ctx.log(
          `  ${p.referenceLabel} ${direction} ${setting.name}: ${mibps(m, calibration.size).toFixed(0)} MiB/s (setting search, ${calibration.size / MiB} MiB)`,
        );
        if (m.ms < best) {
          best = m.ms;
          fastest[direction] = setting;
        }
      }
    }
  }

  const rows: BenchRow[] = [];
  for (const direction of ['download', 'upload'] as const) {
    const setting = fastest[direction];
    const result: PairResult = { ours: [], oursCpu: [], reference: [], referenceCpu: [] };
    for (let i = 0; i < ctx.runs; i++) {
      const mine = await ours(async () => {
        const bytes = direction === 'download' ? await p.download() : await p.upload(uploadTarget);
        if (bytes !== size) throw new Error(`${p.label} ${direction} moved ${bytes} bytes, expected ${size}`);
      });
      const theirs = await p.reference(setting, direction, referenceTarget, file);
      if (direction === 'upload') {
        const arrived = (await stat(s.localPath(referenceTarget))).size;
        if (arrived !== size) throw new Error(`${p.referenceLabel} upload left ${arrived} bytes, expected ${size}`);
      }
      result.ours.push(mibps(mine));
      result.oursCpu.push(perGiB(mine));
      result.reference.push(mibps(theirs));
      result.referenceCpu.push(perGiB(theirs));
      ctx.log(
        `  ${p.label} ${direction} run ${i + 1}/${ctx.runs}: ours ${mibps(mine).toFixed(0)} MiB/s ${perGiB(mine).toFixed(2)} CPU s/GiB, ` +
          `${p.referenceLabel} ${mibps(theirs).toFixed(0)} MiB/s ${perGiB(theirs).toFixed(2)} CPU s/GiB`,
      );
    }
    if (direction === 'upload') {
      if ((await sha256File(s.localPath(uploadTarget))) !== sourceSha) throw new Error(`${p.label} upload arrived with different content`);
      if ((await sha256File(s.localPath(referenceTarget))) !== sourceSha) throw new Error(`${p.referenceLabel} upload arrived with different content`);
    }
    const referenceName = `${p.referenceLabel} ${setting.name}`;
    const pairwise = (mine: number[], theirs: number[]): string =>
      `run-by-run ratio ${median(mine.map((value, i) => value / (theirs[i] ?? value))).toFixed(2)}x`;
    rows.push(
      {
        section: 'raw',
        what: `${p.label} ${direction}, ${(size / MiB).toFixed(0)} MiB`,
        ours: median(result.ours),
        unit: 'MiB/s',
        better: 'higher',
        reference: { name: referenceName, value: median(result.reference) },
        target: TARGET,
        note: pairwise(result.ours, result.reference),
      },
      {
        section: 'raw',
        what: `${p.label} ${direction}, client CPU per GiB`,
        ours: median(result.oursCpu),
        unit: 'CPU s/GiB',
        better: 'lower',
        reference: { name: referenceName, value: median(result.referenceCpu) },
        note: pairwise(result.referenceCpu, result.oursCpu),
      },
    );
  }
  await Promise.all([rm(s.localPath(uploadTarget), { force: true }), rm(s.localPath(referenceTarget), { force: true })]);
  return rows;
}

async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const size = ctx.quick ? 64 * MiB : GiB;
  const s = await ctx.servers();
  await s.mkdirp('bench');
  const benchFile = async (remote: string, bytes: number): Promise<BenchFile> => {
    const local = s.localPath(remote);
    // coreutils write the data, so no GiB of garbage is left in this process.
    await randomFile(local, bytes);
    return { remote, local, size: bytes };
  };
  const file = await benchFile('bench/raw.bin', size);
  const { remote, local: source } = file;
  const sourceSha = await sha256File(source);
  // The settings search and the warm-up run on a quarter-size file: the ranking of settings shows
  // as well there, and the part stays within its time budget.
  const calibration = ctx.quick ? undefined : await benchFile('bench/raw-calibration.bin', size / 4);
  const warm = calibration ?? file;
  const sessions: RemoteSession[] = [];
  try {
    const keyFile = join(ctx.work, 'raw-id');
    const knownHosts = join(ctx.work, 'raw-known_hosts');
    await writeFile(keyFile, s.sftp.privateKey, { mode: 0o600 });
    await chmod(keyFile, 0o600);
    await writeFile(knownHosts, `${s.sftp.knownHostsLines.join('\n')}\n`);
    const sshArgs = ['-q', '-b', '-', '-i', keyFile, '-P', String(s.sftp.port), '-o', `UserKnownHostsFile=${knownHosts}`];
    const sshTail = ['-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `${s.username}@${s.host}`];

    const sftp = await openSftpSession(devServerOptions(s, 'sftp', benchConnection(s, 'sftp')));
    sessions.push(sftp);
    // A long-running Node-RED has its code optimised; the first MiBs of a fresh process run
    // through the interpreter, so both directions run once before anything is timed.
    await drainTo(await sftp.createReadStream(warm.remote));
    await sftp.write('bench/raw-warm.bin', createReadStream(warm.local, { highWaterMark: MiB }));
    await rm(s.localPath('bench/raw-warm.bin'), { force: true });

    const rows = await measureProtocol(
      ctx,
      s,
      {
        label: 'SFTP',
        referenceLabel: 'OpenSSH sftp',
        settings: REFERENCE_SETTINGS.sftp,
        download: async (hash) => drainTo(await sftp.createReadStream(remote), hash),
        upload: (target) => sftp.write(target, createReadStream(source, { highWaterMark: MiB })),
        reference: (setting, direction, target, moved) =>
          runClient(
            'sftp',
            [...sshArgs, ...setting.args, ...sshTail],
            direction === 'download' ? `get ${moved.remote} /dev/null\n` : `put ${moved.local} ${target}\n`,
          ),
      },
      file,
      calibration,
      sourceSha,
    );
    await sftp.close();

    const ftpOptions = devServerOptions(s, 'ftp', benchConnection(s, 'ftp'));
    // A session per transfer, as lftp logs in per run: the login is part of both figures.
    const withFtp = async <T>(use: (ftp: RemoteSession) => Promise<T>): Promise<T> => {
      const ftp = await openFtpSession(ftpOptions);
      sessions.push(ftp);
      try {
        return await use(ftp);
      } finally {
        await ftp.close();
      }
    };
    // Plain FTP as our session uses it: without ftp:ssl-allow lftp would switch to AUTH TLS.
    const lftpBase = ['set ftp:ssl-allow no', 'set ftp:passive-mode yes', 'set xfer:clobber yes', 'set cmd:fail-exit yes'];
    const lftpOpen = `open -u ${s.username},${s.password} -p ${s.ftp.port} ${s.ftp.host}`;
    rows.push(
      ...(await measureProtocol(
        ctx,
        s,
        {
          label: 'FTP',
          referenceLabel: 'lftp',
          settings: REFERENCE_SETTINGS.lftp,
          download: (hash) => withFtp(async (ftp) => drainTo(await ftp.createReadStream(remote), hash)),
          upload: (target) => withFtp((ftp) => ftp.write(target, createReadStream(source, { highWaterMark: MiB }))),
          reference: (setting, direction, target, moved) =>
            runClient(
              'lftp',
              [],
              [
                ...lftpBase,
                ...setting.args,
                lftpOpen,
                direction === 'download' ? `get ${moved.remote} -o /dev/null` : `put ${moved.local} -o ${target}`,
                'quit',
                '',
              ].join('\n'),
            ),
        },
        file,
        calibration,
        sourceSha,
      )),
    );
    return rows;
  } finally {
    await Promise.all(sessions.map((session) => session.close().catch(() => undefined)));
    await Promise.all([file, ...(calibration ? [calibration] : [])].map((f) => rm(f.local, { force: true })));
  }
}

export const rawStreamsSection: BenchSection = { name: 'raw', run };
