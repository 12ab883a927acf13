/**
 * Transfer benchmark against the local dev servers: our pipelined SFTP streams next to OpenSSH's
 * `sftp` and our FTP reads next to `curl`, in the same run on the
 * same file, plus peak memory.
 *
 *   npm run bench                      # 1 GiB file
 *   npm run bench -- 256               # size in MiB (or BENCH_SIZE_MB=256)
 *   BENCH_RUNS=5 npm run bench         # repetitions per measurement (median is reported)
 *
 * Needs root (the dev servers create a throwaway user) plus sshd, sftp, vsftpd, curl, split and
 * sha256sum. Dropbox and File 360 are parts dropbox and file360 of dev/bench/cli.ts. Many small
 * files into one Dropbox account (single commits vs batch) are a separate
 * benchmark: npm run bench:dropbox-batch.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { startDevServers, stopDevServers, type DevServers } from '../servers';
import { openFtpSession } from '../../src/core/remote/ftp-session';
import type { ServerOptions } from '../../src/core/remote/server-options';
import { openSftpSession } from '../../src/core/remote/sftp-session';
import type { RemoteSession } from '../../src/core/remote/types';

const MiB = 1024 * 1024;
const TARGET_RATIO = 0.8;
const TARGET_RSS_MB = 150;

interface Row {
  what: string;
  ours?: number;
  reference?: number;
  referenceName?: string;
  note?: string;
}

function sizeFromArgs(): number {
  const raw = process.argv[2] ?? process.env.BENCH_SIZE_MB ?? '1024';
  const mb = Number(raw);
  if (!Number.isFinite(mb) || mb <= 0) throw new Error(`Size must be a number of MiB, got "${raw}"`);
  return Math.round(mb * MiB);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function mbps(bytes: number, ms: number): number {
  return bytes / MiB / (ms / 1000);
}

/**
 * Source data and checksums come from coreutils, not from this process: generating and hashing a
 * GiB here would leave garbage buffers behind and inflate the peak RSS charged to the transfers.
 */
async function makeRandomFile(path: string, size: number): Promise<void> {
  await run('sh', ['-c', 'head -c "$1" /dev/urandom > "$2" && chmod 644 "$2"', 'sh', String(size), path]);
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('sha256sum', [path], (err, stdout) => {
      if (err) reject(err);
      else resolve(stdout.split(/\s+/)[0] ?? '');
    });
  });
}

function run(command: string, args: string[], input?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`${command} exited with ${code}: ${stderr.trim()}`));
    });
    child.stdin.end(input ?? '');
  });
}

/**
 * Reads the whole stream the way a sink node does, by piping it into a writable. The timed runs
 * discard the data, as `sftp ... /dev/null` and `curl -o /dev/null` do; one extra run hashes it to
 * prove the bytes are right (sha256 alone runs at about 1.4 GB/s here and would otherwise be counted
 * against us only).
 */
async function timedRead(open: () => Promise<Readable>, hashIt = false): Promise<{ ms: number; bytes: number; sha?: string }> {
  const started = performance.now();
  const stream = await open();
  const hash = hashIt ? createHash('sha256') : undefined;
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
  return { ms: performance.now() - started, bytes, sha: hash?.digest('hex') };
}

async function verifiedRead(what: string, size: number, sourceSha: string, open: () => Promise<Readable>): Promise<number> {
  const result = await timedRead(open, true);
  if (result.bytes !== size || result.sha !== sourceSha) {
    throw new Error(`${what} returned wrong data: ${result.bytes} of ${size} bytes, sha256 ${result.sha ?? '?'} instead of ${sourceSha}`);
  }
  return mbps(size, result.ms);
}

async function repeat(runs: number, label: string, once: () => Promise<number>): Promise<number> {
  const results: number[] = [];
  for (let i = 0; i < runs; i++) {
    const value = await once();
    results.push(value);
    process.stderr.write(`  ${label} run ${i + 1}/${runs}: ${value.toFixed(0)} MiB/s\n`);
  }
  return median(results);
}

/** Peak RSS so far, logged per phase so a regression points at the phase that caused it. */
function noteMemory(phase: string): void {
  process.stderr.write(`  peak RSS after ${phase}: ${((process.resourceUsage().maxRSS * 1024) / 1e6).toFixed(0)} MB\n`);
}

function format(value: number | undefined): string {
  return value === undefined ? 'n/a' : value.toFixed(0);
}

function table(rows: Row[], rssMb: number, size: number, runs: number): string {
  const lines = [
    `File: ${(size / MiB).toFixed(0)} MiB random data, loopback, median of ${runs} run(s), MiB/s.`,
    '',
    '| Measurement | Ours (MiB/s) | Reference | Reference (MiB/s) | Ratio | Target | Verdict |',
    '|---|---:|---|---:|---:|---:|---|',
  ];
  for (const row of rows) {
    const ratio = row.ours !== undefined && row.reference !== undefined ? row.ours / row.reference : undefined;
    const verdict = ratio === undefined ? (row.note ?? '') : ratio >= TARGET_RATIO ? 'ok' : 'BELOW TARGET';
    lines.push(
      `| ${row.what} | ${format(row.ours)} | ${row.referenceName ?? ''} | ${format(row.reference)} | ${ratio === undefined ? '' : ratio.toFixed(2)} | ${ratio === undefined ? '' : `>= ${TARGET_RATIO}`} | ${verdict} |`,
    );
  }
  lines.push(`| Peak RSS of this process | ${rssMb.toFixed(0)} MB | | | | < ${TARGET_RSS_MB} MB | ${rssMb < TARGET_RSS_MB ? 'ok' : 'ABOVE TARGET'} |`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const size = sizeFromArgs();
  const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
  const work = await mkdtemp(join(tmpdir(), 'filebridge-bench-'));
  let servers: DevServers | undefined;
  const sessions: RemoteSession[] = [];
  const rows: Row[] = [];
  try {
    let source = join(work, 'data.bin');
    let sourceSha = '';
    {
      process.stderr.write('Starting sshd and vsftpd...\n');
      servers = await startDevServers();
      const s = servers;
      await s.mkdirp('bench');
      const remote = 'bench/data.bin';
      source = s.localPath(remote);
      process.stderr.write(`Writing ${(size / MiB).toFixed(0)} MiB of random data...\n`);
      await makeRandomFile(source, size);
      sourceSha = await sha256File(source);
      noteMemory('writing the source file');

      // OpenSSH client setup: the same key our session uses, the host key pinned through known_hosts.
      const keyFile = join(work, 'id');
      const knownHosts = join(work, 'known_hosts');
      await writeFile(keyFile, s.sftp.privateKey, { mode: 0o600 });
      await writeFile(knownHosts, `${s.sftp.knownHostsLines.join('\n')}\n`);
      await chmod(keyFile, 0o600);
      const sftpArgs = [
        '-q',
        '-b',
        '-',
        '-i',
        keyFile,
        '-P',
        String(s.sftp.port),
        '-o',
        `UserKnownHostsFile=${knownHosts}`,
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        'BatchMode=yes',
        `${s.username}@${s.host}`,
      ];

      const sftpOptions: ServerOptions = {
        protocol: 'sftp',
        host: s.host,
        port: s.sftp.port,
        username: s.username,
        privateKey: s.sftp.privateKey,
        hostKeyPins: [s.sftp.hostKeyFingerprints.ed25519, s.sftp.hostKeyFingerprints.rsa],
        connectTimeoutMs: 15_000,
        idleTimeoutMs: 60_000,
        keepaliveIntervalMs: 15_000,
      };
      const sftp = await openSftpSession(sftpOptions);
      sessions.push(sftp);

      // Warm-up: a long-running Node-RED process has its code optimised; the first MiBs of a fresh
      // process run through the interpreter.
      const warm = await sftp.createReadStream(remote);
      let warmed = 0;
      for await (const chunk of warm) {
        warmed += (chunk as Buffer).length;
        if (warmed >= 64 * MiB) break;
      }

      // SFTP download: ours and OpenSSH alternate so both see the same machine load.
      const oursRead: number[] = [];
      const openSshRead: number[] = [];
      for (let i = 0; i < runs; i++) {
        const result = await timedRead(() => sftp.createReadStream(remote));
        if (result.bytes !== size) throw new Error(`SFTP read returned ${result.bytes} bytes, expected ${size}`);
        oursRead.push(mbps(size, result.ms));
        openSshRead.push(mbps(size, await run('sftp', sftpArgs, `get ${remote} /dev/null\n`)));
        process.stderr.write(`  SFTP read run ${i + 1}/${runs}: ours ${oursRead[i]?.toFixed(0)} MiB/s, OpenSSH ${openSshRead[i]?.toFixed(0)} MiB/s\n`);
      }
      const sftpHashed = await verifiedRead('SFTP read', size, sourceSha, () => sftp.createReadStream(remote));
      rows.push({ what: 'SFTP download (stream, discarded)', ours: median(oursRead), reference: median(openSshRead), referenceName: 'OpenSSH `sftp -b` get' });
      rows.push({ what: 'SFTP download, sha256 in the consumer', ours: sftpHashed, note: 'content verified' });
      noteMemory('SFTP downloads');

      // SFTP upload: our write stream fed from disk, next to OpenSSH's put of the same file.
      const uploadTarget = 'bench/upload.bin';
      const oursPut = await repeat(runs, 'SFTP write (ours)', async () => {
        const started = performance.now();
        const written = await sftp.write(uploadTarget, createReadStream(source, { highWaterMark: MiB }));
        const ms = performance.now() - started;
        if (written !== size) throw new Error(`SFTP write reported ${written} bytes, expected ${size}`);
        return mbps(size, ms);
      });
      noteMemory('SFTP uploads');
      if ((await sha256File(s.localPath(uploadTarget))) !== sourceSha) throw new Error('SFTP upload arrived with different content');
      const openSshPut = await repeat(runs, 'SFTP put (OpenSSH)', async () =>
        mbps(size, await run('sftp', sftpArgs, `put ${source} bench/upload-openssh.bin\n`)),
      );
      rows.push({ what: 'SFTP upload (write stream)', ours: oursPut, reference: openSshPut, referenceName: 'OpenSSH `sftp -b` put' });
      await sftp.close();

      // FTP download: ours next to curl.
      const ftpOptions: ServerOptions = {
        protocol: 'ftp',
        host: s.ftp.host,
        port: s.ftp.port,
        username: s.username,
        password: s.password,
        connectTimeoutMs: 15_000,
        idleTimeoutMs: 60_000,
        keepaliveIntervalMs: 15_000,
      };
      const ftpUrl = `ftp://${encodeURIComponent(s.username)}:${encodeURIComponent(s.password)}@${s.ftp.host}:${s.ftp.port}/${remote}`;
      const oursFtp: number[] = [];
      const curlFtp: number[] = [];
      const ftpRead = async (hashIt: boolean): Promise<number> => {
        const ftp = await openFtpSession(ftpOptions);
        sessions.push(ftp);
        try {
          if (hashIt) return await verifiedRead('FTP read', size, sourceSha, () => ftp.createReadStream(remote));
          const result = await timedRead(() => ftp.createReadStream(remote));
          if (result.bytes !== size) throw new Error(`FTP read returned ${result.bytes} bytes, expected ${size}`);
          return mbps(size, result.ms);
        } finally {
          await ftp.close();
        }
      };
      for (let i = 0; i < runs; i++) {
        oursFtp.push(await ftpRead(false));
        curlFtp.push(mbps(size, await run('curl', ['-sS', '--fail', ftpUrl, '-o', '/dev/null'])));
        process.stderr.write(`  FTP read run ${i + 1}/${runs}: ours ${oursFtp[i]?.toFixed(0)} MiB/s, curl ${curlFtp[i]?.toFixed(0)} MiB/s\n`);
      }
      const ftpHashed = await ftpRead(true);
      rows.push({
        what: 'FTP download (stream, discarded)',
        ours: median(oursFtp),
        reference: median(curlFtp),
        referenceName: '`curl ftp://... -o /dev/null`',
      });
      rows.push({ what: 'FTP download, sha256 in the consumer', ours: ftpHashed, note: 'content verified' });
      noteMemory('FTP downloads');
    }

    const rssMb = (process.resourceUsage().maxRSS * 1024) / 1e6;
    const info = await stat(source);
    process.stdout.write(`${table(rows, rssMb, info.size, runs)}\n`);
    process.stdout.write('1,000 small files into one Dropbox account, single commits vs batch: npm run bench:dropbox-batch\n');
  } finally {
    await Promise.all(sessions.map((session) => session.close().catch(() => undefined)));
    if (servers) await stopDevServers();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
