/*
 * Second pass of `npm test`: the engine and the Node-RED flow tests again, in Node-RED 5 on Node 22
 * (what Node-RED 5 users run), so both supported runtimes execute the code, not just load it.
 *
 * Left out of this pass, by a tag in their title (and run by the first pass as always):
 * - `[volume]`: hundreds of MB through a stream with the peak RSS measured. They measure our
 *   backpressure and Node.js streams, not Node-RED's runtime, and take minutes; every node and
 *   example is still run here on its normal test, which moves the same code with small files.
 * - `[own runtimes]`: tests that start their own Node-RED processes from `runtimes()`, whatever this
 *   pass sets: Node-RED 5 on Node 22 exactly as in the first pass, and Node-RED 4.1 on this
 *   process's Node, which here is Node 22 (a pairing this pass is not about), never Node-RED 5 instead.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { node22, REPO_ROOT } from './runtimes';

async function main(): Promise<void> {
  const node = await node22();
  const mocha = join(REPO_ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
  // Spec files given on the command line narrow the run (for working on one node).
  const given = process.argv.slice(2);
  const specs =
    given.length > 0
      ? given
      : [
          'build/test/unit/core/**/*.test.js',
          'build/test/integration/core/**/*.test.js',
          'build/test/integration/nodes/**/*.test.js',
          'build/test/integration/examples/**/*.test.js',
        ];
  console.log(`\n--- engine and flow tests again, Node-RED 5 on ${node}`);
  // The same settings and test servers as the first pass.
  const args = [mocha, '--config', '.mocharc.servers.json', '--grep', String.raw`\[volume\]|\[own runtimes\]`, '--invert', ...specs];
  const child = spawn(node, args, { cwd: REPO_ROOT, stdio: 'inherit', env: { ...process.env, FILEBRIDGE_NODE_RED: '5' } });
  const code = await new Promise<number>((resolve) => child.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
  process.exitCode = code;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
