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

  constructor(what: string, reported: string, reason: string) {
    const code: ErrorCode = ERROR_CODES.find((c) => c === reported) ?? (reported === 'VALIDATION' ? 'INVALID_INPUT' : 'CONNECTION');
    super(code, `The flow failed to store ${what} (${reported}: ${reason})`, { reported });
    this.reported = reported;
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
