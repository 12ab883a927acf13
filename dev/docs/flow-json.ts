/*
 * Writes the README's "Flow JSON reference" (`npm run docs:flow-json`): for every node type of the
 * package, the properties a flow file holds for it, read from the node's editor definition
 * (`defaults` and `credentials` in src/editor/<type>.ts, bundled and run here as the editor runs it),
 * with each property's dialog label from the message catalog. Integrators who generate flows read
 * the property names here; a test fails when a node gains a property the README does not list.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { buildSync } from 'esbuild';

export const START = '<!-- flow-json:start (generated from src/editor/*.ts and the message catalogs by npm run docs:flow-json) -->';
export const END = '<!-- flow-json:end -->';

const ROOT = join(__dirname, '..', '..', '..');

interface EditorDefinition {
  defaults: Record<string, { value: unknown; type?: string; required?: boolean }>;
  credentials?: Record<string, { type: string }>;
}

/** What a property means where its dialog label does not say it (TypedInput types, rule switches, size ranges). */
const MEANINGS: Record<string, string> = {
  'filebridge-server.accountName': "Dropbox: the signed-in account's name, set by Connect to Dropbox (shown only; the sign-in is the refreshToken credential)",
  'filebridge-watch.intervalSeconds': 'Poll every (seconds)',
  'filebridge-watch.minSize': 'Size: smallest file taken (bytes; empty = no limit)',
  'filebridge-watch.maxSize': 'Size: largest file taken (bytes; empty = no limit)',
  'filebridge-validate.nameOn': 'Rule on: name pattern',
  'filebridge-validate.extOn': 'Rule on: allowed extensions',
  'filebridge-validate.sizeOn': 'Rule on: size',
  'filebridge-validate.nonEmptyOn': 'Rule on: not empty',
  'filebridge-validate.magicOn': 'Rule on: content type (magic bytes)',
  'filebridge-validate.checksumOn': 'Rule on: checksum side-car',
  'filebridge-validate.csvOn': 'Rule on: CSV structure',
  'filebridge-validate.csvExtensions': 'CSV structure: for files with these extensions',
  'filebridge-validate.jsonOn': 'Rule on: JSON Schema',
  'filebridge-validate.jsonExtensions': 'JSON Schema: for files with these extensions',
  'filebridge-validate.xmlOn': 'Rule on: XML well-formed',
  'filebridge-validate.xmlExtensions': 'XML well-formed: for files with these extensions',
  'filebridge-validate.manifestOn': 'Rule on: manifest completeness',
  'filebridge-map-metadata.tableValue': 'Lookup table: the path, message property or table text (per *Lookup table*)',
  'filebridge-cs-export.filterCategory': 'Only where: category name',
  'filebridge-cs-export.filterAttribute': 'Only where: attribute name',
  'filebridge-cs-export.filterValue': 'Only where: value',
  'filebridge-cs-export.deliveredWhen':
    'Delivered when: `confirmed` (the message comes back to the input) or `read` (payload read to the end; also when the property is absent)',
  'filebridge-cs-export.onRefusal':
    'A document the flow refuses for good (INVALID_INPUT, VALIDATION, MAPPING): `skip` it, report it and go on (editor default), or `stop` the run (also when the property is absent)',
  'filebridge-server.unreadTimeout': 'Unread timeout (seconds; 0 = never): an unread stream payload is closed and its connection freed',
  'filebridge-remote.keepMtime': "put: keep the source's modification time",
  'filebridge-f360-put.folder': 'Folder: path template below the File 360 root, e.g. `Suppliers/{fields.supplier}/{yyyy}` (empty = the root)',
  'filebridge-rest-connection.headers': 'Extra headers: `[{ "name": "<header>", "value": "<value>" }]` sent with every request (no secrets)',
  'filebridge-rest-request.query': 'Query: `[{ "name": "<parameter>", "value": "<value or template>" }]`',
  'filebridge-rest-request.headers': 'Headers: `[{ "name": "<header>", "value": "<value or template>" }]`',
  'filebridge-rest-request.pagingItems': 'Paging, items: JSONata on a page body (empty = the body when an array, else its items, data or results)',
  'filebridge-rest-request.pagingNext': 'Paging, next link: JSONata on a page body giving the next URL (nextLink paging)',
  'filebridge-rest-request.pagingCursor': 'Paging, next cursor: JSONata on a page body giving the next cursor (cursor paging)',
  'filebridge-partner-format.columns':
    'Columns: `[{ "field": "<record field>", "header": "<partner column>", "type": "string" | "number" | "integer" | "date" | "boolean", "format": "<dd.MM.yyyy | decimals>", "required": true | false }]`',
  'filebridge-f360-put.shares': 'Share folder with: `[{ "kind": "group" | "user", "name": "<exact name or e-mail>", "role": "viewer" | "editor" | "owner" }]`',
};

/** The editor definition of `type`, as Node-RED's editor receives it. */
export function editorDefinition(type: string): EditorDefinition {
  const bundle = buildSync({ entryPoints: [join(ROOT, 'src', 'editor', `${type}.ts`)], bundle: true, write: false, format: 'iife', logLevel: 'silent' });
  let found: EditorDefinition | undefined;
  const window: { FileBridgeEditor?: { editors: Record<string, (facts: object) => void> } } = {};
  const accept = (): (() => boolean) => () => true;
  const RED = {
    nodes: { registerType: (_t: string, definition: EditorDefinition) => (found = definition) },
    validators: { number: accept, regex: accept, typedInput: accept },
    _: (key: string) => key,
  };
  runInNewContext(bundle.outputFiles[0].text, { window, RED, $: () => ({}) });
  window.FileBridgeEditor?.editors[type]?.({});
  if (!found) throw new Error(`src/editor/${type}.ts registered no editor for ${type}`);
  return found;
}

function catalog(type: string): Record<string, unknown> {
  const all = JSON.parse(readFileSync(join(ROOT, 'nodes', 'locales', 'en-US', `${type}.json`), 'utf8')) as Record<string, Record<string, unknown>>;
  return all[type] ?? {};
}

function catalogLabel(type: string, property: string): string | undefined {
  const label = (catalog(type).label as Record<string, string> | undefined)?.[property];
  return label?.replace(/<[^>]+>/g, '');
}

/** The values a select offers, where the catalog has a group of option texts named after the property. */
function choices(type: string, property: string): string[] {
  const group = catalog(type)[property];
  if (typeof group !== 'object' || group === null) return [];
  return Object.keys(group).filter((k) => k !== 'default' && k !== 'missing');
}

function meaning(type: string, property: string): string {
  const own = MEANINGS[`${type}.${property}`];
  if (own) return own;
  const typed = /^(.+)Type$/.exec(property);
  if (typed && property !== 'type') {
    const base = catalogLabel(type, typed[1]) ?? typed[1];
    return `TypedInput type of \`${typed[1]}\` (${base}): \`str\`, \`num\`, \`msg\`, \`flow\`, \`global\`, \`env\`, \`jsonata\`... as the dialog offers`;
  }
  const label = catalogLabel(type, property);
  if (!label) throw new Error(`${type}.${property} has no dialog label in nodes/locales/en-US/${type}.json and no meaning in dev/docs/flow-json.ts`);
  return label;
}

function shown(value: unknown): string {
  return `\`${JSON.stringify(value)}\``;
}

function kind(value: unknown, configType: string | undefined): string {
  if (configType) return `id of a \`${configType}\``;
  if (Array.isArray(value)) return 'array';
  return typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : typeof value === 'string' ? 'string' : 'object';
}

/** The generated reference: one table per node type, credentials apart. */
export function flowJsonReference(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
  const out: string[] = [];
  for (const type of Object.keys(pkg['node-red'].nodes)) {
    const def = editorDefinition(type);
    out.push(`#### \`${type}\``, '', '| property | type | default | meaning |', '|---|---|---|---|');
    for (const [property, d] of Object.entries(def.defaults)) {
      const options = MEANINGS[`${type}.${property}`] ? [] : choices(type, property);
      const text = meaning(type, property) + (options.length > 1 ? `; one of ${options.map((o) => `\`${o}\``).join(', ')}` : '');
      out.push(`| \`${property}\` | ${kind(d.value, d.type)} | ${shown(d.value)} | ${text.replace(/\|/g, '\\|')} |`);
    }
    const secrets = Object.keys(def.credentials ?? {});
    if (secrets.length > 0) out.push('', `Credentials (never in the flow JSON): ${secrets.map((s) => `\`${s}\``).join(', ')}.`);
    out.push('');
  }
  return out.join('\n').trimEnd();
}

/** The README with the reference between the markers replaced by the generated one. */
export function withFlowJsonReference(readme: string): string {
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  if (from < 0 || to < from) throw new Error(`README.md has no "${START}" ... "${END}" section`);
  return `${readme.slice(0, from + START.length)}\n${flowJsonReference()}\n${readme.slice(to)}`;
}

if (require.main === module) {
  const path = join(ROOT, 'README.md');
  writeFileSync(path, withFlowJsonReference(readFileSync(path, 'utf8')));
  console.log(`Wrote the flow JSON reference into ${path}`);
}
