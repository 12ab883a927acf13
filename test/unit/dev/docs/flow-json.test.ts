import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { END, START, editorDefinition, withFlowJsonReference } from '../../../../dev/docs/flow-json';
import { REPO_ROOT } from '../../../support/runtimes';

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };

describe("the README's flow JSON reference", () => {
  const section = readme.slice(readme.indexOf(START), readme.indexOf(END));

  for (const type of Object.keys(pkg['node-red'].nodes)) {
    it(`${type}: lists every property its flow JSON can hold, and every credential apart`, () => {
      const def = editorDefinition(type);
      const table = section.split(`#### \`${type}\``)[1]?.split('####')[0] ?? '';
      assert.ok(table, `README.md has no "#### \`${type}\`" table in its flow JSON reference: run npm run docs:flow-json`);
      const listed = [...table.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
      assert.deepEqual(listed, Object.keys(def.defaults), `the properties of ${type} (src/editor/${type}.ts defaults): run npm run docs:flow-json`);
      for (const secret of Object.keys(def.credentials ?? {})) {
        assert.ok(!listed.includes(secret), `${secret} is a credential, not a flow property`);
        assert.match(table, new RegExp(`Credentials \\(never in the flow JSON\\):.*\`${secret}\``));
      }
    });
  }

  it('is what npm run docs:flow-json writes (defaults, types and meanings unchanged)', () => {
    assert.equal(readme, withFlowJsonReference(readme), 'README.md differs from the generated reference: run npm run docs:flow-json');
  });
});
