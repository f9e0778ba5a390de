// HTTP-facing errors: a status code, a coded name (after fastify's FST_ERR_*)
// and a message that names what and where. The error handler in app.ts maps
// these, PathauditError codes and fastify's own 4xx errors to one reply shape.
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (message: string) => new HttpError(404, 'PATHAUDIT_ERR_NOT_FOUND', message);
export const gone = (message: string) => new HttpError(410, 'PATHAUDIT_ERR_PRUNED', message);
export const conflict = (message: string, extra: Record<string, string> = {}) => new HttpError(409, 'PATHAUDIT_ERR_CONFLICT', message, extra);
