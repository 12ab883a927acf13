/**
 * The Dropbox and File 360 simulators as a user runs them (`npm run sim:dropbox`, `sim:f360`): the
 * CLI in a child process, its JSON start line parsed; and their read-only web page fetched with the
 * checks every such page must pass.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface StartedCli {
  child: ChildProcess;
  line: Record<string, string>;
}

/** Starts `build/dev/sim/<simulator>/cli.js` with `args`; rejects with its stderr when it exits first. */
export function startSimCli(simulator: 'dropbox' | 'file360' | 'rest', args: string[]): Promise<StartedCli> {
  const cli = join(__dirname, '../../dev/sim', simulator, 'cli.js');
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => reject(new Error(`simulator exited with ${String(code)}: ${err}`)));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ child, line: JSON.parse(out.slice(0, nl)) as Record<string, string> });
    });
  });
}

/** Stops it with SIGTERM and waits for the exit. */
export async function stopSimCli(s: StartedCli): Promise<void> {
  s.child.removeAllListeners('exit');
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}

/**
 * GETs a simulator's web page: asserts 200, a Content-Security-Policy that allows no script, and
 * that `hostileName` (a file name with an `<img onerror>` in it) shows escaped; resolves with the HTML.
 */
export async function fetchSimPage(url: string, hostileName: string): Promise<string> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  const html = await res.text();
  assert.ok(!html.includes('<img'), 'names are escaped');
  assert.ok(html.includes(hostileName.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')), `${hostileName} shown escaped`);
  return html;
}
