/**
 * A document the flow failed to store, as cs export learns it: the node that stores it failed with
 * a coded error (told through the payload stream, reader-failure.ts, or a Catch node wired back,
 * export-confirm.ts). Most such failures are passing (connection, timeout, rate limit, a server
 * down): the run stops and sends the document again next run. Some say the document itself can never
 * be stored as it is (its name is refused, its content or metadata fails a rule): stopping then
 * blocks every later document for good, so cs export can skip it instead ("When the flow refuses a
 * document for good: skip it").
 */
import { ERROR_CODES, FileBridgeError, type ErrorCode } from '../errors';

/**
 * Codes that mean "this document, as it is, is refused": bad input (a name the target does not take,
 * such as desktop.ini on Dropbox), a failed validation rule, metadata that cannot be built. Never a
 * connection, timeout, authentication or permission failure: those hold for every document.
 */
export const REFUSED_FOR_GOOD: readonly string[] = ['INVALID_INPUT', 'VALIDATION', 'MAPPING'];

/** What a changes run does with a document the flow refuses for good. */
export type OnRefusal = 'stop' | 'skip';

export class FlowFailure extends FileBridgeError {
  /** The code as the flow reported it (VALIDATION, of a validation report, is not one of ours and becomes INVALID_INPUT). */
  readonly reported: string;
  /** The storing node's own words, without the document this export adds (compared by RefusalGuard). */
  readonly reason: string;

  constructor(what: string, reported: string, reason: string) {
    const code: ErrorCode = ERROR_CODES.find((c) => c === reported) ?? (reported === 'VALIDATION' ? 'INVALID_INPUT' : 'CONNECTION');
    super(code, `The flow failed to store ${what} (${reported}: ${reason})`, { reported });
    this.reported = reported;
    this.reason = reason;
  }

  /** The failure says the document can never be stored as it is. */
  get forGood(): boolean {
    return REFUSED_FOR_GOOD.includes(this.reported);
  }

  /** The error that stops a changes run at this document. */
  stopping(): FileBridgeError {
    return new FileBridgeError(this.code, `${this.message}: the export stopped here and sends it again next run`, this.details, { cause: this });
  }

  /** The error reported for a document skipped as refused for good. */
  skipping(): FileBridgeError {
    return new FileBridgeError(
      this.code,
      `${this.message}: refused for good, so it was skipped and the export went on; it is sent again once it changes in Content Server (new version, renamed)`,
      this.details,
      { cause: this },
    );
  }
}

/** How many documents refused the same way, before any document of the run was stored, stop a run set to skip. */
export const SAME_REFUSAL_LIMIT = 3;

/** What the guard says about a refusal: skip these documents now (none while it holds them back), or stop the run. */
export type GuardVerdict<T> = { skip: T[] } | { stop: FileBridgeError };

/**
 * Keeps "skip" from skipping a whole export because the storing node is misconfigured (a put path
 * expression that gives no text, a mapping rule naming a field no document has): such a node refuses
 * every document with the same code and the same words, none of them about the document. Skipping
 * would move the mark past all of them, and nothing would be sent again once the node is fixed.
 *
 * So, until a document of the run is stored, the refusals are held back (not skipped, the mark not
 * moved past them). SAME_REFUSAL_LIMIT of them with the same code and reason, a reason naming none of
 * their documents, stop the run at the first one, as "stop" would; so does a run whose every document
 * was refused that way when there are at least two. A stored document, or a refusal with other words
 * or naming its document (three `desktop.ini` files are refused for their names, a real per-document
 * refusal), releases the held ones to be skipped as usual.
 */
export class RefusalGuard<T> {
  private held: { item: T; failure: FlowFailure }[] = [];
  /** False once the run stored a document or had refusals of different kinds: every refusal is skipped at once then. */
  private watching = true;

  constructor(private readonly limit = SAME_REFUSAL_LIMIT) {}

  /** Refusals are held back: the mark must not move past them (nor past anything after them). */
  get holding(): boolean {
    return this.held.length > 0;
  }

  /** A document was stored: the node works, the held refusals are the documents' own; returns them to skip. */
  stored(): T[] {
    this.watching = false;
    return this.release();
  }

  /** A document refused for good, named `name`. */
  refused(item: T, name: string, failure: FlowFailure): GuardVerdict<T> {
    const aboutTheNode = name === '' || !failure.reason.includes(name);
    if (!this.watching || !aboutTheNode || (this.held.length > 0 && !sameRefusal(this.held[0].failure, failure))) {
      this.watching = false;
      return { skip: [...this.release(), item] };
    }
    this.held.push({ item, failure });
    return this.held.length >= this.limit ? { stop: this.stopping() } : { skip: [] };
  }

  /** The run went through its documents: all refused the same way (two or more) stops it; otherwise the held ones are skipped. */
  end(): GuardVerdict<T> {
    if (this.watching && this.held.length >= 2) return { stop: this.stopping() };
    return { skip: this.release() };
  }

  private release(): T[] {
    const items = this.held.map((h) => h.item);
    this.held = [];
    return items;
  }

  private stopping(): FileBridgeError {
    const first = this.held[0].failure;
    return new FileBridgeError(
      first.code,
      `${first.message}: ${this.held.length} documents in a row were refused with these same words before any was stored, which points at the storing node's settings rather than the documents. The export stopped at the first of them instead of skipping them; fix the node and they are sent next run`,
      { ...first.details, refusedInARow: this.held.length },
      { cause: first },
    );
  }
}

function sameRefusal(a: FlowFailure, b: FlowFailure): boolean {
  return a.reported === b.reported && a.reason === b.reason;
}
