// Schema pieces the routes build as they register (no TypeBox at run time:
// see schemas.ts).

/** Response map entry for the error answers a route can give. */
export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, { $ref: 'ErrorReply#' }]));

/** A JSON object documented elsewhere (DESIGN.md contracts), serialized as-is. */
export const Document = (description: string) => ({ type: 'object', properties: {}, additionalProperties: true, description });
