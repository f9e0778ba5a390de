// Schema pieces the routes build as they register (no TypeBox at run time:
// see schemas.ts).

/** Response map entry for the error answers a route can give. */
export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, { $ref: 'ErrorReply#' }]));

/** The schemas of the contract documents (agent/contracts/), as the OpenAPI document gets them. */
export type ContractSchemas = typeof import('./contract-schemas.generated.js');

/**
 * The 200 answer of a route that sends a contract document, pre-serialized
 * (JSON.stringify of a value typed by that very schema): on the app that
 * builds the OpenAPI document, the contract's schema; on the app that
 * serves, nothing. fastify sends a string as it is and never compiles a
 * serializer for it, so there the schema would only sit in the daemon's
 * memory (~0.2 MB of heap for the five documents: docs/performance.md).
 */
export const documentReply = (schema: object | undefined): Record<number, object> => (schema ? { 200: schema } : {});
