/**
 * The folder path template of file360 put: `Suppliers/{fields.supplier}/{yyyy}/{MM}`, relative to the
 * user's root. Tokens in the `{token}` style of archive-path.ts, their values and the filling shared
 * with it in ../path-template.ts, plus `{fields.X}`; times are UTC (two runtimes in
 * different time zones file alike). Values come from the file's name and from
 * `msg.filebridge.fields`, both untrusted: a value must be one folder name (no `/`), except
 * `{relativeDir}`, which is the folder path below the watched folder.
 */
import { FileBridgeError } from '../errors';
import { fillTokens, isTokenOf, pathTokenValues, tokenList } from '../path-template';
import { folderPathParts } from './client';

export const FOLDER_TEMPLATE_TOKENS = ['yyyy', 'MM', 'dd', 'HH', 'mm', 'ss', 'name', 'base', 'ext', 'relativeDir', 'correlationId'] as const;

/** `{token}` or `{fields.some name}`; anything else inside braces is reported as unknown. */
const TOKEN = /\{([^{}]*)\}/g;
const FIELD = /^fields\.(.+)$/;

function knownTokens(): string {
  return `${tokenList(FOLDER_TEMPLATE_TOKENS)} {fields.<name>}`;
}

function unknownToken(whole: string, template: string, where: string): FileBridgeError {
  return new FileBridgeError('INVALID_INPUT', `${where}: unknown token ${whole} in "${template}"; use ${knownTokens()}.`, { template });
}

/**
 * Checks a template without a message: its tokens are known and its fixed parts are folder names.
 * Run at deploy, so a typo shows on the node before any file arrives.
 */
export function checkFolderTemplate(template: string, where = 'Folder'): void {
  const sample = template.replace(TOKEN, (whole, inner: string) => {
    if (isTokenOf(FOLDER_TEMPLATE_TOKENS, inner)) return 'x';
    const field = FIELD.exec(inner);
    if (field && field[1].trim() !== '') return 'x';
    throw unknownToken(whole, template, where);
  });
  if (/[{}]/.test(sample)) throw new FileBridgeError('INVALID_INPUT', `${where}: "${template}" has a { or } that opens or closes no token.`, { template });
  try {
    folderPathParts(sample);
  } catch (err) {
    throw new FileBridgeError('INVALID_INPUT', `${where}: "${template}" is not a folder path: ${(err as Error).message}`, { template });
  }
}

/** What the tokens of one file stand for. */
export interface FolderTemplateInput {
  /** The file's name (`INV_0042.pdf`). */
  name: string;
  /** Its path below the watched folder (`ACME/2026/INV_0042.pdf`); the name when unknown. */
  relativePath?: string;
  /** `msg.filebridge.fields`, untrusted. */
  fields?: unknown;
  correlationId?: string;
  /** The time of the put (UTC). */
  at: Date;
}

function fieldValue(fields: unknown, key: string, template: string): string {
  const record = fields !== null && typeof fields === 'object' && !Array.isArray(fields) ? (fields as Record<string, unknown>) : undefined;
  const value = record && Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
  if (value === undefined || value === null || value === '') {
    throw new FileBridgeError(
      'INVALID_INPUT',
      `The folder "${template}" needs msg.filebridge.fields.${key}, and this message has ${value === '' ? 'it empty' : 'none'}: ` +
        `set it (a validate name pattern or a map metadata node does) or change the folder.`,
      { template, field: key },
    );
  }
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new FileBridgeError('INVALID_INPUT', `msg.filebridge.fields.${key} is not text or a number, so it cannot name a folder of "${template}".`, {
      template,
      field: key,
    });
  }
  return String(value);
}

/**
 * The folder path for one file: the template filled in, as `/`-separated checked folder names
 * ('' = the user's root folder). A value that is not one folder name, a missing field or an unknown
 * token is INVALID_INPUT naming it, before anything is sent to File 360.
 */
export function fillFolderTemplate(template: string, input: FolderTemplateInput): string {
  const values = pathTokenValues({ name: input.name, relativePath: input.relativePath ?? input.name }, input.at, input.correlationId ?? '');
  const filled = fillTokens(
    template,
    (inner, whole) => {
      const field = FIELD.exec(inner);
      let value: string;
      if (field && field[1].trim() !== '') value = fieldValue(input.fields, field[1], template);
      else if (isTokenOf(FOLDER_TEMPLATE_TOKENS, inner)) value = values[inner];
      else throw unknownToken(whole, template, 'Folder');
      if (inner !== 'relativeDir' && /[/\\]/.test(value)) {
        throw new FileBridgeError(
          'INVALID_INPUT',
          `${whole} is ${JSON.stringify(value)}, which is not one folder name (it holds a / or \\), in the folder "${template}".`,
          {
            template,
          },
        );
      }
      return value;
    },
    TOKEN,
  );
  try {
    return folderPathParts(filled).join('/');
  } catch (err) {
    throw new FileBridgeError('INVALID_INPUT', `The folder "${template}" filled in is "${filled}", which is not a folder path: ${(err as Error).message}`, {
      template,
    });
  }
}
