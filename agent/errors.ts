// Coded errors (after fastify's FST_ERR_*): the code says which part failed,
// the message names what and where, the exit code follows the CLI contract.

// 4: `config validate` found a valid config that audits nothing (every check not configured).
export const EXIT = { ok: 0, findings: 1, usage: 2, runFailed: 3, nothingAudited: 4 } as const;

export type ErrorCode =
  | 'PATHAUDIT_ERR_CONFIG'
  | 'PATHAUDIT_ERR_USAGE'
  | 'PATHAUDIT_ERR_STORE'
  | 'PATHAUDIT_ERR_NOT_FOUND'
  | 'PATHAUDIT_ERR_RUN'
  | 'PATHAUDIT_ERR_BUNDLE'
  | 'PATHAUDIT_ERR_BUSY';

const exitFor: Record<ErrorCode, number> = {
  PATHAUDIT_ERR_CONFIG: EXIT.usage,
  PATHAUDIT_ERR_USAGE: EXIT.usage,
  PATHAUDIT_ERR_NOT_FOUND: EXIT.usage,
  PATHAUDIT_ERR_STORE: EXIT.runFailed,
  PATHAUDIT_ERR_RUN: EXIT.runFailed,
  PATHAUDIT_ERR_BUNDLE: EXIT.runFailed,
  PATHAUDIT_ERR_BUSY: EXIT.runFailed,
};

export class PathauditError extends Error {
  readonly code: ErrorCode;
  /** One line per problem, each naming what and where (config errors list every problem). */
  readonly problems: string[];
  constructor(code: ErrorCode, message: string, problems: string[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PathauditError';
    this.code = code;
    this.problems = problems;
  }
  get exitCode(): number {
    return exitFor[this.code];
  }
}

export const configError = (message: string, problems: string[] = []) => new PathauditError('PATHAUDIT_ERR_CONFIG', message, problems);
export const usageError = (message: string) => new PathauditError('PATHAUDIT_ERR_USAGE', message);
export const notFound = (message: string) => new PathauditError('PATHAUDIT_ERR_NOT_FOUND', message);

/** A short, single-line reason from anything thrown (never a stack trace): the probes' own, one rule for both layers. */
export { reasonOf } from '../probes/reason.js';
