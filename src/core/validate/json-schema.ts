import Ajv, { type ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import { FileBridgeError, errorMessage } from '../errors';
import type { ContentCheck, ValidationError } from './types';
import { capErrors } from './types';

export interface JsonSchemaRule {
  extensions: string[];
  validate: ValidateFunction;
  /**
   * JSON has to be parsed whole, so this rule reads the file into memory up to this size; a larger
   * file fails the rule (it is not silently passed).
   */
  maxBytes: number;
  maxErrors: number;
}

/**
 * Compiles a schema once, at deploy. The draft is taken from `$schema` (draft-07 by default,
 * 2019-09 and 2020-12 when named). `format` keywords are not checked: ajv-formats is not bundled.
 */
export function compileSchema(schema: unknown): ValidateFunction {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    if (typeof schema !== 'boolean')
      throw new FileBridgeError('INVALID_INPUT', 'The JSON Schema must be a JSON object (for example {"type": "object", "required": ["id"]}).');
  }
  const draft = typeof schema === 'object' && schema !== null ? String((schema as { $schema?: unknown }).$schema ?? '') : '';
  const options = { allErrors: true, strict: false, validateFormats: false, logger: false } as const;
  const ajv = draft.includes('2020-12') ? new Ajv2020(options) : draft.includes('2019-09') ? new Ajv2019(options) : new Ajv(options);
  try {
    return ajv.compile(schema as object);
  } catch (err) {
    throw new FileBridgeError('INVALID_INPUT', `The JSON Schema does not compile: ${errorMessage(err)}. Fix the schema in the node.`, {}, { cause: err });
  }
}

export function jsonSchemaCheck(rule: JsonSchemaRule): ContentCheck {
  let parts: Buffer[] = [];
  let total = 0;
  let tooLarge = false;
  return {
    update(chunk) {
      total += chunk.length;
      if (tooLarge) return;
      if (total > rule.maxBytes) {
        tooLarge = true;
        parts = [];
        return;
      }
      parts.push(Buffer.from(chunk));
    },
    finish(): ValidationError[] {
      if (tooLarge) {
        return [
          {
            rule: 'json',
            reason: `The file has more than ${rule.maxBytes} bytes, the limit for JSON Schema validation (JSON is read into memory to be checked). Raise "max size" in the node if such files are expected.`,
            maxBytes: rule.maxBytes,
          },
        ];
      }
      let doc: unknown;
      try {
        doc = JSON.parse(
          Buffer.concat(parts, total)
            .toString('utf8')
            .replace(/^\uFEFF/, ''),
        );
      } catch (err) {
        return [{ rule: 'json', reason: `The file is not valid JSON: ${errorMessage(err)}.` }];
      } finally {
        parts = [];
      }
      if (rule.validate(doc)) return [];
      const errors: ValidationError[] = (rule.validate.errors ?? []).map((e) => ({
        rule: 'json',
        reason: `${e.instancePath || '(document)'} ${e.message ?? 'is invalid'}${e.keyword === 'additionalProperties' ? `: ${String((e.params as { additionalProperty?: unknown }).additionalProperty)}` : ''}.`,
        path: e.instancePath || '/',
        keyword: e.keyword,
      }));
      return capErrors(errors, rule.maxErrors);
    },
    abort() {
      parts = [];
    },
  };
}
