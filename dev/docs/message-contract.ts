/*
 * Writes the README's table of `msg.filebridge` keys from the contract in src/core/message.ts
 * (`npm run docs:message`). A test fails while the README and the contract differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { messageContractTable } from '../../src/core/message';

export const START = '<!-- message-contract:start (generated from src/core/message.ts by npm run docs:message) -->';
export const END = '<!-- message-contract:end -->';

/** The README with the table between the markers replaced by the one the contract makes. */
export function withContractTable(readme: string): string {
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  if (from < 0 || to < from) throw new Error(`README.md has no "${START}" ... "${END}" section`);
  return `${readme.slice(0, from + START.length)}\n${messageContractTable()}\n${readme.slice(to)}`;
}

if (require.main === module) {
  const path = join(__dirname, '..', '..', '..', 'README.md');
  writeFileSync(path, withContractTable(readFileSync(path, 'utf8')));
  console.log(`Wrote the msg.filebridge table into ${path}`);
}
