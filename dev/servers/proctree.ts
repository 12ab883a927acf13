import { readdirSync, readFileSync } from 'node:fs';

/** Parent pid and state letter from /proc/<pid>/stat, or undefined once the process is gone. */
export function procStat(pid: number): { ppid: number; state: string } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may itself contain spaces and parentheses; the fields after the last ')' are safe.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0] ?? '?', ppid: Number(rest[1]) };
}

/** True while the process exists and is not a zombie (an unreaped zombie holds no sockets or files). */
export function isAlive(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

/**
 * All live descendants of `root`, found through /proc parent links. Needed because sshd puts every
 * connection in its own session (setsid), so killing the listener's process group misses them.
 */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = procStat(pid);
    if (stat === undefined || stat.state === 'Z') continue;
    const list = children.get(stat.ppid);
    if (list) list.push(pid);
    else children.set(stat.ppid, [pid]);
  }
  const found: number[] = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone: that is the goal.
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Kills every descendant of `root` and waits until none is left. The tree is frozen with SIGSTOP
 * first so a listener cannot fork a new connection handler between the snapshot and the kill, and
 * parents are not killed before their children are found (orphans would leave the tree).
 */
export async function killDescendants(root: number, timeoutMs = 10_000): Promise<void> {
  const victims = new Set<number>();
  for (let round = 0; round < 20; round++) {
    const fresh = descendants(root).filter((pid) => !victims.has(pid));
    if (fresh.length === 0) break;
    for (const pid of fresh) {
      victims.add(pid);
      signal(pid, 'SIGSTOP');
    }
  }
  for (const pid of victims) signal(pid, 'SIGKILL');
  const deadline = Date.now() + timeoutMs;
  while ([...victims].some(isAlive)) {
    if (Date.now() > deadline) {
      throw new Error(`Processes still alive after SIGKILL: ${[...victims].filter(isAlive).join(', ')}`);
    }
    await sleep(20);
  }
}
