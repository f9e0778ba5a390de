// The JSON run document: the contract of `run --format json` and
// `GET /v1/runs/:id`. Its schema, and the types below, are defined once in
// agent/contracts/run-document.ts; this module names them for the runner and
// its callers.
export type { Decision, Posture, RunStatus, Trigger } from '../contracts/vocabulary.js';
export type {
  CheckOutcome,
  EvidenceRecord,
  FindingRecord,
  ResultRecord,
  RunDocument,
  RunHeader,
  RunListItem,
  RunSummary,
  SeverityCounts,
  WaiverRef,
} from '../contracts/run-document.js';
