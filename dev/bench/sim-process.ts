/**
 * What the simulator rows of `npm run bench` share (dropbox-transfer.ts, file360-transfer.ts): the
 * simulator started as its own process (so its memory is not charged to the bench), a timed child
 * command (curl, split), a stream read to the end, a random source file, and their MiB/s rows.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { BenchRow } from './report';

/** A running simulator process with what it printed on its first stdout line (a JSON object). */
export type SimProcess<Info> = Info & { child: ChildProcess };

/**
 * Starts `build/dev/sim/<simulator>/cli.js` on a free port with its content in `dataDir`; resolves
 * with its JSON line. `name` ("the Dropbox simulator") names it in the error when it exits first.
 */
export function startSimProcess<Info extends object>(
  simulator: 'dropbox' | 'file360' | 'content-server' | 'rest',
  name: string,
  dataDir: string,
  extraArgs: readonly string[] = [],
): Promise<SimProcess<Info>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, '..', 'sim', simulator, 'cli.js'), '--port', '0', '--data', dataDir, ...extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      try {
        resolve({ ...(JSON.parse(out.slice(0, nl)) as Info), child });
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${name} exited (${String(code)}): ${err.trim()}`)));
  });
}

export function stopSimProcess(sim: { child: ChildProcess }): Promise<void> {
  return new Promise((resolve) => {
    if (sim.child.exitCode !== null || sim.child.signalCode !== null) return resolve();
    sim.child.once('exit', () => resolve());
    sim.child.kill('SIGTERM');
  });
}

/** Runs a command; resolves with its wall time (ms) and stdout. */
export function timed(command: string, args: string[]): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve({ ms: performance.now() - started, stdout });
      else reject(new Error(`${command} exited with ${code}: ${stderr.trim()}`));
    });
  });
}

/** Reads a stream to its end; resolves with its byte count, each chunk also fed to `hash` when given. */
export async function drain(stream: Readable, hash?: { update(chunk: Buffer): unknown }): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) {
    hash?.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return bytes;
}

/**
 * A file of `size` random bytes, readable by the dev servers' user. Written by coreutils, not by this
 * process: generating a GiB here would leave garbage buffers charged to the measurements.
 */
export async function randomFile(path: string, size: number): Promise<void> {
  await timed('sh', ['-c', 'head -c "$1" /dev/urandom > "$2" && chmod 644 "$2"', 'sh', String(size), path]);
}

/** Ours against a reference as a speed: the target of the simulator parts. */
export const SIM_TARGET_RATIO = 0.8;

/** A MiB/s row of a simulator part; one with a reference gets the part's target. */
export function rateRow(section: string, what: string, ours: number, reference?: BenchRow['reference'], note?: string): BenchRow {
  return {
    section,
    what,
    ours,
    unit: 'MiB/s',
    better: 'higher',
    ...(reference ? { reference, target: { ratio: SIM_TARGET_RATIO } } : {}),
    ...(note ? { note } : {}),
  };
}

/**
 * How much the bench process grew over its baseline while a simulator part ran its uploads and
 * downloads (the bench process holds the other parts too, so its absolute peak says little).
 */
export function peakGrowthRow(section: string, service: string, baseline: number, uploadPeak: number, downloadPeak: number): BenchRow {
  return {
    section,
    what: `Peak RSS growth of the bench process during the ${service} uploads / downloads`,
    ours: (Math.max(uploadPeak, downloadPeak) - baseline) / 1e6,
    unit: 'MB',
    better: 'lower',
    note: `${(uploadPeak / 1e6).toFixed(0)} / ${(downloadPeak / 1e6).toFixed(0)} MB peak; ${(baseline / 1e6).toFixed(0)} MB before them, the bench process holds other parts too`,
  };
}
