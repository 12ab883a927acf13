import { StringDecoder } from 'node:string_decoder';
import { SaxesParser } from 'saxes';
import type { ContentCheck, ValidationError } from './types';

/**
 * Characters the declared entities of one document may expand to, counted over every reference
 * (an entity inside an entity counts with its full expansion). Far above what real documents use;
 * "billion laughs" (a few hundred bytes expanding to gigabytes in the next parser of the flow) and
 * its quadratic cousin (one large entity referenced many times) stay far above it.
 */
export const MAX_ENTITY_EXPANSION = 10_000_000;

/** What an internal DTD subset declares about general entities. */
interface DeclaredEntities {
  /** Internal entities: name -> literal value (references inside it not yet expanded). */
  internal: Map<string, string>;
  /** External general entities (SYSTEM/PUBLIC): name -> the identifier, for messages; never read. */
  external: Map<string, string>;
  /** External parameter entities the subset declares: also never read, and refused when used. */
  externalParameters: Map<string, string>;
  /** Parameter entity references (`%name;`) between declarations. */
  parameterReferences: string[];
}

/**
 * Reads the `<!ENTITY ...>` declarations of a DOCTYPE as saxes hands it over (`name [ ... ]`).
 * saxes itself leaves the DTD alone (its README: "This parser doesn't do anything with that"), so
 * without this every reference to a declared entity was "undefined entity".
 */
function declaredEntities(doctype: string): DeclaredEntities {
  const found: DeclaredEntities = { internal: new Map(), external: new Map(), externalParameters: new Map(), parameterReferences: [] };
  // The subset starts at the first '[' outside the quoted system and public identifiers.
  let open = -1;
  for (let k = 0, quote = ''; k < doctype.length && open < 0; k++) {
    const c = doctype[k];
    if (quote) quote = c === quote ? '' : quote;
    else if (c === '"' || c === "'") quote = c;
    else if (c === '[') open = k;
  }
  if (open < 0) return found;
  const subset = doctype.slice(open + 1);
  let i = 0;
  while (i < subset.length) {
    if (subset.startsWith('<!--', i)) {
      const end = subset.indexOf('-->', i + 4);
      i = end < 0 ? subset.length : end + 3;
    } else if (subset.startsWith('<?', i)) {
      const end = subset.indexOf('?>', i + 2);
      i = end < 0 ? subset.length : end + 2;
    } else if (subset.startsWith('<!', i)) {
      // A declaration ends at the first '>' outside quotes.
      let j = i + 2;
      let quote = '';
      for (; j < subset.length; j++) {
        const c = subset[j];
        if (quote) {
          if (c === quote) quote = '';
        } else if (c === '"' || c === "'") quote = c;
        else if (c === '>') break;
      }
      entityDeclaration(subset.slice(i, j + 1), found);
      i = j + 1;
    } else if (subset[i] === '%') {
      const m = /^%([^\s;%]+);/.exec(subset.slice(i, i + 256));
      if (m) found.parameterReferences.push(m[1]);
      i += m ? m[0].length : 1;
    } else {
      i++;
    }
  }
  return found;
}

const PREDEFINED = new Set(['amp', 'lt', 'gt', 'apos', 'quot']);

const ENTITY_DECLARATION = /^<!ENTITY\s+(%\s+)?([^\s%;"'<>]+)\s+(?:"([^"]*)"|'([^']*)'|((?:SYSTEM|PUBLIC)(?:\s+(?:"[^"]*"|'[^']*'))+)(\s+NDATA\s+\S+)?)\s*>$/;

function entityDeclaration(text: string, found: DeclaredEntities): void {
  const m = ENTITY_DECLARATION.exec(text);
  if (!m) return;
  const [, parameter, name, double, single, externalId, ndata] = m;
  // The first declaration of a name binds (XML 1.0, section 4.2); the five predefined ones stay as they are.
  if (found.internal.has(name) || found.external.has(name) || PREDEFINED.has(name)) return;
  if (parameter) {
    if (externalId) found.externalParameters.set(name, externalId.replace(/\s+/g, ' '));
    return;
  }
  if (externalId) {
    // Unparsed (NDATA) entities are names for attributes, never expanded: a reference to one in text is an error anyway.
    if (!ndata) found.external.set(name, externalId.replace(/\s+/g, ' '));
    return;
  }
  found.internal.set(name, double ?? single ?? '');
}

/**
 * The length each internal entity expands to, with the references inside it expanded (memoised,
 * so a chain of ten entities costs ten steps, not ten to the tenth), and the external entity it
 * reaches through others, if any. Also the entity that refers to itself, directly or through
 * others, if one does (a well-formedness error, XML 1.0 section 4.1).
 */
function expansions(entities: DeclaredEntities): { lengths: Map<string, number>; reachesExternal: Map<string, string>; recursive?: string } {
  const lengths = new Map<string, number>();
  const reachesExternal = new Map<string, string>();
  const visiting = new Set<string>();
  let recursive: string | undefined;
  const lengthOf = (name: string): number => {
    const known = lengths.get(name);
    if (known !== undefined) return known;
    const value = entities.internal.get(name);
    if (value === undefined) return 0;
    if (visiting.has(name)) {
      recursive ??= name;
      return 0;
    }
    visiting.add(name);
    let total = 0;
    let last = 0;
    for (const ref of value.matchAll(/&([^\s&;#]+);/g)) {
      const inner = ref[1];
      total += ref.index - last + (PREDEFINED.has(inner) ? 1 : lengthOf(inner));
      last = ref.index + ref[0].length;
      const external = entities.external.has(inner) ? inner : reachesExternal.get(inner);
      if (external !== undefined && !reachesExternal.has(name)) reachesExternal.set(name, external);
    }
    total = Math.min(total + value.length - last, Number.MAX_SAFE_INTEGER);
    visiting.delete(name);
    lengths.set(name, total);
    return total;
  };
  for (const name of entities.internal.keys()) lengthOf(name);
  return { lengths, reachesExternal, recursive };
}

/**
 * Well-formedness only (no DTD or schema validation), streamed through saxes: the first error is
 * reported with its line and column, and parsing stops there.
 *
 * Entities declared in the document's internal DTD subset are known (a reference to one is not an
 * error), but never expanded here: the check counts what they would expand to, and refuses a
 * document whose references add up to more than `MAX_ENTITY_EXPANSION` characters (billion laughs),
 * one that refers to an external entity or uses an external parameter entity (XXE: nothing is ever
 * fetched or read), and one whose entities refer to themselves.
 */
export function xmlCheck(): ContentCheck {
  let parser: SaxesParser | undefined = new SaxesParser({ position: true });
  const decoder = new StringDecoder('utf8');
  let error: ValidationError | undefined;
  const fail = (reason: string): void => {
    if (error) return;
    error = { rule: 'xml', reason, line: parser?.line, column: parser?.column };
  };
  parser.on('error', (err) => fail(`The file is not well-formed XML: ${err.message.replace(/^undefined:/, '').trim()}`));
  let expanded = 0;
  parser.on('doctype', (doctype) => {
    const entities = declaredEntities(doctype);
    const usedExternal = entities.parameterReferences.find((name) => entities.externalParameters.has(name));
    if (usedExternal !== undefined) {
      fail(
        `The file's DTD uses the external parameter entity %${usedExternal}; (${entities.externalParameters.get(usedExternal)}). External entities are never read: such files are refused.`,
      );
      return;
    }
    const { lengths, reachesExternal, recursive } = expansions(entities);
    if (recursive !== undefined) {
      fail(`The file is not well-formed XML: the entity &${recursive}; refers to itself.`);
      return;
    }
    const known = parser!.ENTITIES;
    for (const [name, length] of lengths) {
      // A getter, so every reference is counted; the check needs no value, and '' keeps memory flat.
      Object.defineProperty(known, name, {
        configurable: true,
        enumerable: true,
        get: (): string => {
          const external = reachesExternal.get(name);
          if (external !== undefined) {
            fail(
              `The file refers to the external entity &${external}; (${entities.external.get(external)}) through &${name};. External entities are never read: such files are refused.`,
            );
          }
          expanded += length;
          if (expanded > MAX_ENTITY_EXPANSION) {
            fail(
              `The file's entities expand to more than ${MAX_ENTITY_EXPANSION} characters (at &${name};): an entity expansion attack such as "billion laughs", refused.`,
            );
          }
          return '';
        },
      });
    }
    for (const [name, id] of entities.external) {
      Object.defineProperty(known, name, {
        configurable: true,
        enumerable: true,
        get: (): string => {
          fail(`The file refers to the external entity &${name}; (${id}). External entities are never read: such files are refused.`);
          return '';
        },
      });
    }
  });
  const feed = (text: string, close: boolean): void => {
    if (!parser || error) return;
    if (text) parser.write(text);
    if (close && !error) parser.close();
    if (error) parser = undefined;
  };
  return {
    update(chunk) {
      feed(decoder.write(chunk), false);
    },
    finish() {
      feed(decoder.end(), true);
      parser = undefined;
      return error ? [error] : [];
    },
    abort() {
      parser = undefined;
    },
  };
}
