// Every contract with a schema: what integrators get as docs/schema/<file>
// (scripts/gen-contract-schemas.ts) and what the API's OpenAPI document
// says its routes answer (agent/api/contract-schemas.generated.ts,
// scripts/gen-api-schemas.ts); npm run gen:docs writes both.
import type { TSchema } from 'typebox';
import { BacklogView } from './backlog.js';
import { Delta } from './delta.js';
import { PostureView } from './posture.js';
import { RunDocument } from './run-document.js';
import { Snapshot } from './snapshot.js';

export interface Contract {
  /** The schema's name: its TypeScript type, its export in agent/api/contract-schemas.generated.ts. */
  name: string;
  /** docs/schema/<file> */
  file: string;
  schema: TSchema;
  /** Where it is produced. */
  producedBy: string;
}

export const CONTRACTS: readonly Contract[] = [
  { name: 'RunDocument', file: 'run-document.schema.json', schema: RunDocument, producedBy: '`run --format json`, `GET /v1/runs/:id`, a bundle\'s `run.json`' },
  { name: 'PostureView', file: 'posture.schema.json', schema: PostureView, producedBy: '`GET /v1/posture`' },
  { name: 'BacklogView', file: 'backlog.schema.json', schema: BacklogView, producedBy: '`GET /v1/backlog`' },
  { name: 'Delta', file: 'delta.schema.json', schema: Delta, producedBy: '`delta --format json`, `GET /v1/delta`' },
  { name: 'Snapshot', file: 'snapshot.schema.json', schema: Snapshot, producedBy: '`snapshot --format json`, `GET /v1/snapshots/:month`' },
];
