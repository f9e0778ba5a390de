// Writes docs/schema/<contract>.schema.json: the JSON Schema (draft-07) of
// each contract an integrator reads — the run document, posture, backlog,
// delta and snapshot — from their TypeBox source (agent/contracts/). A test
// fails when a file and its source disagree: run `npm run gen:docs` after
// changing a contract.
//
// The source says "T or null" as OpenAPI's `nullable` (what fastify's
// serializer reads without loading ajv: agent/contracts/schema-kit.ts); the
// files say it in plain JSON Schema, `type: [T, "null"]`, so that any
// validator reads them the same way.
import { mkdirSync } from 'node:fs';
import { CONTRACTS } from '../agent/contracts/index.js';
import { writeGenerated } from './write-generated.js';

/** `nullable: true` → `type: [T, "null"]` (and `null` among an enum's values), everywhere in a schema. */
export function withoutNullable(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutNullable);
  if (!schema || typeof schema !== 'object') return schema;
  const { nullable, ...rest } = schema as Record<string, unknown>;
  const out: Record<string, unknown> = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, withoutNullable(v)]));
  if (nullable === true) {
    if (typeof out.type !== 'string') throw new Error(`nullable without a single type: ${JSON.stringify(schema).slice(0, 120)}`);
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
  }
  return out;
}

/** The file for one contract. */
export function contractSchemaJson(schema: unknown): string {
  return `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...(withoutNullable(schema) as object) }, null, 2)}\n`;
}

/** Every file under docs/schema/, by name. */
export function contractSchemaFiles(): Map<string, string> {
  return new Map(CONTRACTS.map((c) => [c.file, contractSchemaJson(c.schema)]));
}

if (process.argv[1]?.endsWith('gen-contract-schemas.js')) {
  const dir = new URL('../../docs/schema/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeGenerated([...contractSchemaFiles()].map(([file, text]) => [new URL(file, dir), text] as const));
}
