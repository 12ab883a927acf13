/**
 * A real Node-RED with this working tree linked in as an installed package, which a chaos run can
 * kill -9 and start again with the same user directory (flows, credentials, context stores).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { lstat, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { freePort, type Runtime } from '../sandbox/node-red-process';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
const MODULE = 'node-red-contrib-ecm-filebridge';

export interface FlowNodeJson {
  id: string;
  type: string;
  [property: string]: unknown;
}

export class ChaosNodeRed {
  private child?: ChildProcess;
  private log = '';
  readonly port: Promise<number>;
  /** Kills and starts so far. */
  kills = 0;

  constructor(
    private readonly runtime: Runtime,
    readonly userDir: string,
    /** Extra settings.js entries, e.g. a contextStorage block. */
    private readonly extraSettings = '',
  ) {
    this.port = freePort();
  }

  get url(): Promise<string> {
    return this.port.then((p) => `http://127.0.0.1:${p}`);
  }

  /** The last lines Node-RED printed, for a failure report. */
  output(): string {
    return this.log.slice(-20_000);
  }

  async prepare(): Promise<void> {
    await mkdir(join(this.userDir, 'node_modules'), { recursive: true });
    const link = join(this.userDir, 'node_modules', MODULE);
    if (
      await lstat(link).then(
        () => true,
        () => false,
      )
    )
      await rm(link, { force: true, recursive: true });
    await symlink(REPO_ROOT, link, 'dir');
    await writeFile(join(this.userDir, 'package.json'), JSON.stringify({ name: 'filebridge-chaos', version: '0.0.0', private: true }));
    await writeFile(
      join(this.userDir, 'settings.js'),
      `module.exports = {
  uiHost: '127.0.0.1',
  uiPort: ${await this.port},
  flowFile: 'flows.json',
  credentialSecret: 'filebridge-chaos-secret',
  telemetry: { enabled: false },
  logging: { console: { level: 'warn' } },
  ${this.extraSettings}
};\n`,
    );
  }

  /** Starts Node-RED and waits until its admin API answers. */
  async start(): Promise<void> {
    if (this.child && alive(this.child)) throw new Error('Node-RED is already running');
    const child = spawn(this.runtime.node, [this.runtime.redJs, '--userDir', this.userDir, '--settings', join(this.userDir, 'settings.js')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_RED_ENABLE_PROJECTS: 'false' },
    });
    this.child = child;
    const collect = (d: Buffer): void => {
      this.log = (this.log + d.toString()).slice(-200_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const url = await this.url;
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (!alive(child)) throw new Error(`Node-RED exited early:\n${this.output()}`);
      const up = await fetch(`${url}/auth/login`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) return;
      if (Date.now() > deadline) throw new Error(`Node-RED did not answer within 90 s:\n${this.output()}`);
      await sleep(200);
    }
  }

  /** kill -9: no close handlers, no flushes, as a crash or an OOM kill. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !alive(child)) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await exited;
    this.kills++;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !alive(child)) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }

  /** Deploys a flow through the admin API, credentials included, as a flow generator would. */
  async deploy(nodes: FlowNodeJson[]): Promise<void> {
    const res = await fetch(`${await this.url}/flows`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify(nodes),
    });
    if (!res.ok) throw new Error(`Deploy failed: ${res.status} ${await res.text()}`);
  }

  /** Node-RED's process, for memory and file-descriptor counts. */
  pid(): number | undefined {
    return this.child && alive(this.child) ? this.child.pid : undefined;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A process killed by a signal has no exit code, only a signal code. */
function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}
