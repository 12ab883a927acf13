import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../errors';

/*
 * Who makes a claim. Every claim name carries the identity of the runtime that made it (claim.ts),
 * so that a runtime restarted after a crash takes its own orphaned claims back at once instead of
 * waiting a lease, while the claims of other runtimes on the same folder still wait for theirs.
 *
 * The identity is 8 random hex digits kept in `<userDir>/.filebridge/runtime-id`: it survives
 * restarts and upgrades of the same Node-RED, and two runtimes differ because each has its own user
 * directory. It is no secret and says nothing about the machine (it is seen in names on a
 * partner's server). A user directory copied to a second runtime copies the identity too: delete
 * the file in the copy (the watch warns when it sees another runtime claim under its identity).
 */

/** When this process started (this module is loaded when the palette is). */
const PROCESS_STARTED = Date.now();

/** The last claims made in this process: enough to tell them from another runtime's. */
const MADE_LIMIT = 100_000;

export interface ClaimOwner {
  /** 8 hex digits in every claim name this runtime makes. */
  readonly id: string;
  /**
   * When this run of the runtime began: a claim of this owner whose lease was last renewed before
   * is an orphan of an earlier run (nothing in this process holds it), to be taken back at once.
   */
  readonly since: number;
  /** False when the identity could not be kept (no user directory): after a restart its claims wait for their lease. */
  readonly persistent: boolean;
  /** Why the identity could not be kept in the user directory given. */
  readonly problem?: string;
  /** Notes a claim (its key, claim.ts claimKey) this process made. */
  made(key: string): void;
  /** True for a claim this process made (of the last 100,000). */
  madeHere(key: string): boolean;
}

class Owner implements ClaimOwner {
  private readonly keys = new Set<string>();
  constructor(
    readonly id: string,
    readonly since: number,
    readonly persistent: boolean,
    readonly problem?: string,
  ) {}

  made(key: string): void {
    this.keys.add(key);
    if (this.keys.size > MADE_LIMIT) this.keys.delete(this.keys.values().next().value!);
  }

  madeHere(key: string): boolean {
    return this.keys.has(key);
  }
}

export function newOwnerId(): string {
  return randomBytes(4).toString('hex');
}

/** An owner for tests and tools: this id, this start time, nothing kept on disk. */
export function claimOwner(id: string, since = Date.now()): ClaimOwner {
  return new Owner(id, since, false);
}

const owners = new Map<string, ClaimOwner>();
let transient: ClaimOwner | undefined;

/** The file holding the identity of the runtime using `userDir`. */
export function runtimeIdFile(userDir: string): string {
  return join(userDir, '.filebridge', 'runtime-id');
}

/**
 * The identity of this runtime: read from the user directory, or made and saved there the first
 * time. Without a user directory (or when it cannot be written) an identity for this process only.
 * One object per user directory, so every watch of the runtime shares it.
 */
export function runtimeOwner(userDir: string | undefined): ClaimOwner {
  // Node-RED always has one; an embedding application or a test harness may not.
  if (!userDir) return (transient ??= new Owner(newOwnerId(), PROCESS_STARTED, false));
  const known = owners.get(userDir);
  if (known) return known;
  const file = runtimeIdFile(userDir);
  let owner: ClaimOwner;
  try {
    let id: string | undefined;
    try {
      id = readFileSync(file, 'utf8').trim();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (!id || !/^[0-9a-f]{8}$/.test(id)) {
      id = newOwnerId();
      mkdirSync(join(userDir, '.filebridge'), { recursive: true });
      writeFileSync(file, `${id}\n`, { mode: 0o644 });
    }
    owner = new Owner(id, PROCESS_STARTED, true);
  } catch (err) {
    owner = new Owner(newOwnerId(), PROCESS_STARTED, false, `${file} cannot be used: ${errorMessage(err)}`);
  }
  owners.set(userDir, owner);
  return owner;
}
