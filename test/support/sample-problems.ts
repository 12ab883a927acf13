/**
 * What the sandbox sample tests ask of every sample file (test/unit/dev/sandbox/*-samples.test.ts):
 * would the example's own watch node and validate node take it, judged by the same checks the nodes run.
 */
import picomatch from 'picomatch';
import type { FlowNode } from '../../dev/sandbox/flows';
import { checkMagicBytes } from '../../src/core/validate/magic-bytes';
import { checkExtension, checkName } from '../../src/core/validate/name';

/** A comma-separated list field of a node as its entries. */
export function globs(list: unknown): string[] {
  return typeof list === 'string' ? list.split(/\s*,\s*/).filter((g) => g !== '') : [];
}

function extOf(name: string): string {
  return /\.([^.]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
}

/** Every way the example's watch and validate node could turn the file away (empty: it passes). */
export function sampleProblems(name: string, data: Buffer, watch: FlowNode, validate: FlowNode | undefined): string[] {
  const out: string[] = [];
  const include = globs(watch.include);
  if (include.length > 0 && !include.some((g) => picomatch(g)(name))) out.push(`not in the include ${String(watch.include)}`);
  if (globs(watch.exclude).some((g) => picomatch(g)(name))) out.push(`excluded by ${String(watch.exclude)}`);
  if (!validate) return out;
  if (validate.nameOn === true) {
    const source = String(validate.namePattern);
    const outcome = checkName(name, { regex: new RegExp(`^(?:${source})$`, validate.nameIgnoreCase === true ? 'i' : ''), source });
    out.push(...outcome.errors.map((e) => e.reason));
  }
  if (validate.extOn === true)
    out.push(
      ...checkExtension(
        name,
        globs(validate.extensions).map((e) => e.toLowerCase()),
      ).map((e) => e.reason),
    );
  if (validate.nonEmptyOn === true && data.length === 0) out.push('empty');
  if (validate.magicOn === true) out.push(...checkMagicBytes(data.subarray(0, 64), extOf(name)).map((e) => e.reason));
  if (validate.csvOn === true && globs(validate.csvExtensions).includes(extOf(name))) {
    const header = data
      .toString('utf8')
      .split('\n')[0]
      .split(String(validate.csvDelimiter || ','));
    for (const col of globs(validate.csvRequired)) if (!header.includes(col)) out.push(`CSV column ${col} missing`);
  }
  return out;
}
