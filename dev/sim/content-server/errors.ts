/**
 * Error texts of the real Content Server REST API (see shared/reference/contentserver-rest.md).
 * Clients match on these strings, so they are kept verbatim in one place.
 */

export class CsError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const TEXT = {
  routeNotFound: 'The REST API URL could not be found in the mappings registry',
  authRequired: 'Authentication Required',
  badCredentials: 'Invalid username/password specified',
  noAccess: 'Sorry, the item you requested could not be accessed. Either it does not exist or you do not have permission to access it.',
} as const;

export const routeNotFound = (): CsError => new CsError(400, TEXT.routeNotFound);
export const authRequired = (): CsError => new CsError(401, TEXT.authRequired);
export const badCredentials = (): CsError => new CsError(401, TEXT.badCredentials);

/** The server reports a missing argument as a server error (500), not as a bad request. */
export const argumentRequired = (name: string): CsError => new CsError(500, `Argument ${name} is required`);

/** Only the v2 single-node read answers 400 with this text; everything else gets {@link noAccess}. */
export const nodeNotFoundV2 = (id: number | string): CsError => new CsError(400, `Could not get a node for ${id}`);
export const noAccess = (): CsError => new CsError(500, TEXT.noAccess);

/** v1 answers a name collision with 400, v2 with 500: same text. */
export const nameExists = (name: string, apiVersion: 1 | 2): CsError =>
  new CsError(apiVersion === 1 ? 400 : 500, `An item with the name '${name}' already exists.`);

/**
 * The real server does not parse JSON request bodies: its parameters simply arrive empty. We answer
 * with an explicit 400 instead so a client sending JSON fails loudly in tests rather than with a
 * misleading "Argument ... is required" (unverified wording, chosen for clarity).
 */
export const jsonBodyRejected = (): CsError =>
  new CsError(
    400,
    "Unsupported request content type 'application/json': send application/x-www-form-urlencoded or multipart/form-data (nested payloads as a 'body' field holding JSON)",
  );

export const invalid = (message: string): CsError => new CsError(500, message);
export const badRequest = (message: string): CsError => new CsError(400, message);
