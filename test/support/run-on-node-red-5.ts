/*
 * Second pass of `npm test`: the Node-RED flow tests (nodes and examples) again, in Node-RED 5 on
 * Node 22, so both supported runtimes execute the nodes, not just load them.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { node22, REPO_ROOT } from './runtimes';

async function main(): Promise<void> {
  const node = await node22();
  const mocha = join(REPO_ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
  const specs = ['build/test/nodes/**/*.test.js', 'build/test/examples/**/*.test.js'];
  console.log(`\n--- flow tests again in Node-RED 5 on ${node}`);
  const child = spawn(node, [mocha, ...specs], { cwd: REPO_ROOT, stdio: 'inherit', env: { ...process.env, FILEBRIDGE_NODE_RED: '5' } });
  const code = await new Promise<number>((resolve) => child.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
  process.exitCode = code;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
