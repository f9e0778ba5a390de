// Building blocks of the contract schemas. The schemas serve three readers
// at once — TypeScript (Static), fastify (response schemas, serialized by
// fast-json-stringify) and integrators (docs/schema/*.schema.json) — so they
// keep to what all three read the same way.
import Type, { type Static, type TSchema } from 'typebox';

/** One of a fixed list of strings; the list is the one defined in vocabulary.ts or probes/types.ts. */
export const StringEnum = <const V extends readonly string[]>(values: V, description?: string) =>
  Type.Unsafe<V[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });

/**
 * `T | null`, as OpenAPI's `nullable` rather than `anyOf [T, null]`:
 * fast-json-stringify serializes `nullable` itself, but any anyOf makes it
 * build an ajv instance for the route (~1 MB that stays in the daemon). The
 * files for integrators say it in plain JSON Schema (`type: [T, "null"]`,
 * scripts/gen-contract-schemas.ts).
 */
export const Nullable = <T extends TSchema>(schema: T, description?: string) =>
  Type.Unsafe<Static<T> | null>({ ...schema, nullable: true, ...(description ? { description } : {}) });

/** A count for each value of a list (findings by severity, results by status, changes by kind). */
export const CountsOf = <const V extends readonly string[]>(values: V, description?: string) =>
  Type.Unsafe<Record<V[number], number>>(Type.Record(Type.Enum([...values]), Type.Integer({ minimum: 0 }), description ? { description } : {}));

/** An ISO 8601 instant, e.g. 2026-11-26T12:00:00.000Z. */
export const Instant = (description?: string) => Type.String({ format: 'date-time', ...(description ? { description } : {}) });

/** A shared schema with a description of what it holds where it is used. */
export const Described = <T extends TSchema>(schema: T, description: string) => Type.Unsafe<Static<T>>({ ...schema, description });
