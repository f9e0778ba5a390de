// Declaring a check's evidence once: key, kind and resource in one place,
// used by collect (to build the record) and by evaluate (to find it again),
// so the two halves cannot drift apart on a hand-typed string. Keys and
// resource ids are stored and compared across runs (evidence ids
// `<check>:<key>`, finding fingerprints): a declaration is their one source.
import type { ControlResult, Evidence } from './types.js';

/** What a source gave: observed facts, or why there are none (stored as evidence data). */
export type Observation<T> = ({ state: 'observed' } & T) | { state: 'absent'; reason: string } | { state: 'failed'; reason: string };

/** The source is not there (a missing prerequisite): its controls are `skipped`. */
export const absent = (reason: string) => ({ state: 'absent' as const, reason });
/** The source is there but could not be read: its controls are `error`. */
export const failed = (reason: string) => ({ state: 'failed' as const, reason });

/**
 * A check's evidence as evaluate reads it: the array, or an index by key
 * (`indexEvidence`) when it looks up many records.
 */
export type EvidenceSet = readonly Evidence[] | ReadonlyMap<string, Evidence>;

export const indexEvidence = (evidence: readonly Evidence[]): ReadonlyMap<string, Evidence> => new Map(evidence.map((e) => [e.key, e]));

const isIndex = (evidence: EvidenceSet): evidence is ReadonlyMap<string, Evidence> => evidence instanceof Map;

function lookup<D>(evidence: EvidenceSet, key: string, kind: string): Evidence<D> | undefined {
  const e = isIndex(evidence) ? evidence.get(key) : evidence.find((x) => x.key === key);
  return e && e.kind === kind ? (e as Evidence<D>) : undefined;
}

/**
 * The result of a control whose evidence record is missing (collect did not
 * record it, or a stored run lost it): `error` with the reason, never a pass
 * and never a crash that takes the check's other controls with it.
 */
export function notCollected(control: string, resource: string, key: string): ControlResult {
  return { control, resource, status: 'error', detail: `no "${key}" evidence was collected, so this control could not be judged`, evidence: [] };
}

/**
 * A source recorded as an Observation, as its controls read it: the observed
 * facts and the record's key, or the result each control gets without them
 * (`skipped` when the source is absent, `error` when it failed or no record
 * was collected).
 */
export type Seen<T> = { facts: { state: 'observed' } & T; key: string } | { result: (control: string, resource: string) => ControlResult };

function seen<T>(ev: Evidence<Observation<T>> | undefined, key: string): Seen<T> {
  if (!ev) return { result: (control, resource) => notCollected(control, resource, key) };
  const d = ev.data;
  if (d.state === 'absent') return { result: (control, resource) => ({ control, resource, status: 'skipped', detail: d.reason, evidence: [ev.key] }) };
  if (d.state === 'failed') return { result: (control, resource) => ({ control, resource, status: 'error', detail: d.reason, evidence: [ev.key] }) };
  return { facts: d, key: ev.key };
}

/**
 * One record with a fixed key, kind and resource. Its functions are
 * properties, not methods: collect passes `decl.of` on as a callback.
 */
export interface EvidenceDeclaration<D> {
  readonly key: string;
  readonly kind: string;
  readonly resource: string;
  /** The evidence record for this data. */
  readonly of: (data: D) => Evidence<D>;
  /** The record in a check's evidence, if collect produced it. */
  readonly find: (evidence: EvidenceSet) => Evidence<D> | undefined;
  /** `error` for a control that needed this record and has none. */
  readonly missing: (control: string, resource?: string) => ControlResult;
}

export function declareEvidence<D>(decl: { key: string; kind: string; resource: string }): EvidenceDeclaration<D> {
  return {
    ...decl,
    of: (data) => ({ key: decl.key, kind: decl.kind, resource: decl.resource, data }),
    find: (evidence) => lookup<D>(evidence, decl.key, decl.kind),
    missing: (control, resource = decl.resource) => notCollected(control, resource, decl.key),
  };
}

/**
 * A family of records of one kind, one per parameter `P` (a listener's
 * resource id, a file, a device id, …): the key and the resource derive from
 * it, the same way on both sides. Function properties, as above.
 */
export interface EvidenceFamily<P, D> {
  readonly kind: string;
  readonly key: (p: P) => string;
  readonly resource: (p: P) => string;
  readonly of: (p: P, data: D) => Evidence<D>;
  readonly find: (evidence: EvidenceSet, p: P) => Evidence<D> | undefined;
  /** Every record of this family's kind, in collect's order (a kind two families share holds both). */
  readonly all: (evidence: readonly Evidence[]) => Array<Evidence<D>>;
  /** `error` for a control that needed the record of `p` and has none (on `p`'s resource unless told). */
  readonly missing: (control: string, p: P, resource?: string) => ControlResult;
}

export function declareEvidenceFamily<P, D>(decl: { kind: string; key: (p: P) => string; resource: (p: P) => string }): EvidenceFamily<P, D> {
  const { kind, key, resource } = decl;
  return {
    kind,
    key,
    resource,
    of: (p, data) => ({ key: key(p), kind, resource: resource(p), data }),
    find: (evidence, p) => lookup<D>(evidence, key(p), kind),
    all: (evidence) => evidence.filter((e): e is Evidence<D> => e.kind === kind),
    missing: (control, p, on = resource(p)) => notCollected(control, on, key(p)),
  };
}

/**
 * The common family: one record per resource, keyed `<word> <resource>`
 * (`tcp mqtts 127.0.0.1:8883`, `tls-scan ingest https://…`).
 */
export function declarePerResource<D>(decl: { word: string; kind: string }): EvidenceFamily<string, D> {
  return declareEvidenceFamily<string, D>({ kind: decl.kind, key: (resource) => `${decl.word} ${resource}`, resource: (resource) => resource });
}

/** The declared Observation record as its controls read it (Seen), found under the declaration's own key. */
export function seenOf<T>(decl: EvidenceDeclaration<Observation<T>>, evidence: EvidenceSet): Seen<T> {
  return seen(decl.find(evidence), decl.key);
}

/** The same for one member of a family of Observation records. */
export function seenIn<P, T>(family: EvidenceFamily<P, Observation<T>>, evidence: EvidenceSet, p: P): Seen<T> {
  return seen(family.find(evidence, p), family.key(p));
}
