// Declaring a check's evidence once: key, kind and resource in one place,
// used by collect (to build the record) and by evaluate (to find it again),
// so the two halves cannot drift apart on a hand-typed string.
import type { Evidence } from './types.js';

/** What a source gave: observed facts, or why there are none (stored as evidence data). */
export type Observation<T> = ({ state: 'observed' } & T) | { state: 'absent'; reason: string } | { state: 'failed'; reason: string };

/** The source is not there (a missing prerequisite): its controls are `skipped`. */
export const absent = (reason: string) => ({ state: 'absent' as const, reason });
/** The source is there but could not be read: its controls are `error`. */
export const failed = (reason: string) => ({ state: 'failed' as const, reason });

export interface EvidenceDeclaration<D> {
  readonly key: string;
  readonly kind: string;
  readonly resource: string;
  /** The evidence record for this data. */
  of(data: D): Evidence<D>;
  /** The record in a check's evidence, if collect produced it. */
  find(evidence: readonly Evidence[]): Evidence<D> | undefined;
}

export function declareEvidence<D>(decl: { key: string; kind: string; resource: string }): EvidenceDeclaration<D> {
  return {
    ...decl,
    of: (data) => ({ key: decl.key, kind: decl.kind, resource: decl.resource, data }),
    find: (evidence) => evidence.find((e): e is Evidence<D> => e.key === decl.key && e.kind === decl.kind),
  };
}
