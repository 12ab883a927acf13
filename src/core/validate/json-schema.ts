import Ajv, { type ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import { FileBridgeError, errorMessage } from '../errors';
import type { ContentCheck, ValidationError } from './types';
import { capErrors } from './types';

/**
 * Nesting levels a document may have. The schema check walks a document recursively (ajv's
 * generated code), so a file nested 100,000 deep would end it with a RangeError (stack overflow)
 * instead of an answer; real documents stay below a few dozen levels.
 */
export const MAX_JSON_DEPTH = 1000;

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

/**
 * Follows the nesting depth of JSON text byte by byte (brackets outside strings; the bytes that
 * matter are ASCII, so UTF-8 needs no decoding): the deepest level seen, in constant memory.
 */
class DepthGauge {
  depth = 0;
  deepest = 0;
  private inString = false;
  private escaped = false;

  update(chunk: Uint8Array): void {
    for (const b of chunk) {
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === 0x5c) this.escaped = true;
        else if (b === 0x22) this.inString = false;
      } else if (b === 0x22) this.inString = true;
      else if (b === 0x5b || b === 0x7b) {
        this.depth++;
        if (this.depth > this.deepest) this.deepest = this.depth;
      } else if (b === 0x5d || b === 0x7d) this.depth--;
    }
  }
}

export function jsonSchemaCheck(rule: JsonSchemaRule): ContentCheck {
  let parts: Buffer[] = [];
  let total = 0;
  let tooLarge = false;
  const gauge = new DepthGauge();
  return {
    update(chunk) {
      total += chunk.length;
      if (tooLarge) return;
      if (total > rule.maxBytes) {
        tooLarge = true;
        parts = [];
        return;
      }
      gauge.update(chunk);
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
      if (gauge.deepest > MAX_JSON_DEPTH) {
        parts = [];
        return [
          {
            rule: 'json',
            reason: `The document is nested ${gauge.deepest} levels deep, more than the ${MAX_JSON_DEPTH} levels the schema check accepts.`,
            depth: gauge.deepest,
            maxDepth: MAX_JSON_DEPTH,
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
      let valid: boolean;
      try {
        valid = rule.validate(doc) as boolean;
      } catch (err) {
        // The depth limit keeps the stack in bounds; should a schema still recurse too far, the file fails, coded, instead of the flow.
        if (!(err instanceof RangeError)) throw err;
        return [{ rule: 'json', reason: `The document could not be checked against the schema: ${err.message}. It is nested too deeply or is too large.` }];
      }
      if (valid) return [];
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
