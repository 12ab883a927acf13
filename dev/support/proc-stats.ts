/**
 * CPU time and resident memory of other processes (Node-RED under the benchmark, sshd and its
 * per-connection children, a simulator), read from /proc so the reading costs the measured process
 * nothing and counts what its own `process.cpuUsage()` would.
 */
import { readFileSync } from 'node:fs';
import { descendants } from '../servers/proctree';

/** Linux reports utime/stime in clock ticks; USER_HZ is 100 on every Linux ABI Node.js runs on. */
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds the process has used so far (0 once it is gone). */
export function cpuSeconds(pid: number): number {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // Fields after the command name, which may hold spaces and parentheses: utime is field 14, stime 15.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / TICKS_PER_SECOND;
}

/** CPU seconds of the process and all its live descendants (sshd forks a process per connection). */
export function treeCpuSeconds(root: number): number {
  return [root, ...descendants(root)].reduce((sum, pid) => sum + cpuSeconds(pid), 0);
}

/** Resident set size in bytes (VmRSS), 0 once the process is gone. */
export function rssBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples another process's RSS on a timer; the kernel's own high-water mark (VmHWM) backs it up. */
export interface RssWatch {
  /** Highest RSS seen since the watch started. */
  peak(): number;
  /** Median of the samples, the figure for "while idle" readings. */
  median(): number;
  stop(): { peak: number; median: number };
}

export function watchRss(pid: number, intervalMs = 50): RssWatch {
  const samples: number[] = [];
  const sample = (): void => {
    const value = rssBytes(pid);
    if (value > 0) samples.push(value);
  };
  sample();
  const timer = setInterval(sample, intervalMs).unref();
  const peak = (): number => samples.reduce((a, b) => Math.max(a, b), 0);
  const median = (): number => {
    const sorted = [...samples].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? 0;
  };
  return {
    peak,
    median,
    stop() {
      clearInterval(timer);
      sample();
      return { peak: peak(), median: median() };
    },
  };
}

/** CPU seconds used by a process between two readings, and the share of one core over the wall time. */
export function cpuMeter(pid: number, tree = false): { stop(): { seconds: number; cores: number } } {
  const read = (): number => (tree ? treeCpuSeconds(pid) : cpuSeconds(pid));
  const startCpu = read();
  const started = performance.now();
  return {
    stop() {
      const seconds = read() - startCpu;
      return { seconds, cores: seconds / ((performance.now() - started) / 1000) };
    },
  };
}
