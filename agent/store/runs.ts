// The runs repository: a run is inserted as `running` when it starts and
// completed in one transaction when it ends, so a crash leaves either nothing
// or a `running` row that `serve` marks `aborted` — never a half-written run.
//
// The chain: each finished run stores the hash of the previous finished run's
// canonical record; its own hash covers that link, so editing or deleting an
// earlier run breaks every later link (verifyChain).
import type { HostFacts } from '../runner/host.js';
import type { RunWindow, Severity, Status } from '../../probes/types.js';
import { sha256Of } from '../evidence/hash.js';
import type { CheckOutcome, EvidenceRecord, FindingRecord, ResultRecord, RunDocument, RunHeader, RunListItem, RunStatus, RunSummary } from '../runner/document.js';
import type { Db } from './db.js';
import { currentOwner, ownerAlive } from './owner.js';

export type { RunListItem };

interface RunRow {
  seq: number;
  id: string;
  bundle: string;
  trigger: RunHeader['trigger'];
  status: RunStatus;
  started_at: string;
  finished_at: string | null;
  agent_version: string;
  config_hash: string;
  gateway_id: string;
  path_json: string | null;
  checks_json: string;
  summary_json: string | null;
  host_json: string | null;
  previous_hash: string | null;
  hash: string | null;
  /** Set when retention pruned the run: the row is a tombstone (see prune). */
  pruned_at?: string | null;
}


/** What the hash covers: everything in the document, evidence by its digest. */
export function canonicalRecord(doc: RunDocument): unknown {
  const { hash: _hash, ...header } = doc.run;
  return {
    run: header,
    summary: doc.summary,
    results: doc.results,
    findings: doc.findings,
    evidence: doc.evidence.map(({ id, check, kind, resource, sha256 }) => ({ id, check, kind, resource, sha256 })),
  };
}

export function hashRun(doc: RunDocument): string {
  return sha256Of(canonicalRecord(doc));
}

/** A row of the results table. */
export interface ResultRow {
  control: string;
  check_id: string;
  resource: string;
  status: Status;
  severity: Severity;
  detail: string;
  evidence_json: string;
  /** Absent from rows read by queries that do not select it. */
  gone?: number;
}

export function resultOfRow(r: ResultRow): ResultRecord {
  return {
    control: r.control,
    check: r.check_id,
    resource: r.resource,
    status: r.status,
    severity: r.severity,
    detail: r.detail,
    evidence: JSON.parse(r.evidence_json) as string[],
    ...(r.gone ? { gone: true as const } : {}),
  };
}

function headerOf(row: RunRow): RunHeader {
  return {
    id: row.id,
    bundle: row.bundle,
    trigger: row.trigger,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    status: row.status,
    agentVersion: row.agent_version,
    configHash: row.config_hash,
    gatewayId: row.gateway_id,
    path: row.path_json ? (JSON.parse(row.path_json) as RunHeader['path']) : null,
    checks: JSON.parse(row.checks_json) as CheckOutcome[],
    // Absent, not null, on runs recorded before: their hash was taken without it.
    ...(row.host_json ? { host: JSON.parse(row.host_json) as HostFacts } : {}),
    previousHash: row.previous_hash,
    hash: row.hash,
  };
}

export class RunRepository {
  constructor(private readonly db: Db) {}

  /** Records that a run has started (status `running`), owned by `owner` (default: this process). */
  begin(header: RunHeader, owner: string | null = currentOwner()): void {
    this.db
      .prepare(
        `INSERT INTO runs (id, bundle, trigger, status, started_at, agent_version, config_hash, gateway_id, path_json, owner)
         VALUES (@id, @bundle, @trigger, 'running', @startedAt, @agentVersion, @configHash, @gatewayId, @path, @owner)`,
      )
      .run({ ...header, path: header.path ? JSON.stringify(header.path) : null, owner });
  }

  /** Writes the finished run, its results, findings and evidence, and links it into the chain. Returns the stored document. */
  finish(doc: RunDocument): RunDocument {
    const tx = this.db.transaction((d: RunDocument): RunDocument => {
      const exists = this.db.prepare('SELECT status FROM runs WHERE id = ?').get(d.run.id) as { status: string } | undefined;
      if (!exists) this.begin(d.run);
      else if (exists.status !== 'running') throw new Error(`run ${d.run.id} is already ${exists.status}`);
      // The chain is in finishing order (chain_seq), inside this IMMEDIATE
      // transaction: no other writer can finish a run between read and write.
      const prev = this.db.prepare('SELECT hash, chain_seq FROM runs WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1').get() as { hash: string; chain_seq: number } | undefined;
      const linked: RunDocument = { ...d, run: { ...d.run, previousHash: prev?.hash ?? null, hash: null } };
      linked.run.hash = hashRun(linked);
      const insResult = this.db.prepare(
        'INSERT INTO results (run_id, idx, control, check_id, resource, status, severity, detail, evidence_json, gone) VALUES (?,?,?,?,?,?,?,?,?,?)',
      );
      linked.results.forEach((r, i) =>
        insResult.run(d.run.id, i, r.control, r.check, r.resource, r.status, r.severity, r.detail, JSON.stringify(r.evidence), r.gone ? 1 : 0),
      );
      const insFinding = this.db.prepare('INSERT INTO findings (run_id, fingerprint, control, resource, severity, waived, record_json) VALUES (?,?,?,?,?,?,?)');
      for (const f of linked.findings) insFinding.run(d.run.id, f.fingerprint, f.control, f.resource, f.severity, f.waived ? 1 : 0, JSON.stringify(f));
      const insEvidence = this.db.prepare('INSERT INTO evidence (run_id, id, check_id, kind, resource, sha256, data_json) VALUES (?,?,?,?,?,?,?)');
      for (const e of linked.evidence) insEvidence.run(d.run.id, e.id, e.check, e.kind, e.resource, e.sha256, JSON.stringify(e.data));
      this.db
        .prepare(
          `UPDATE runs SET status=@status, finished_at=@finishedAt, checks_json=@checks, summary_json=@summary, host_json=@host,
             previous_hash=@previousHash, hash=@hash, chain_seq=@chainSeq WHERE id=@id`,
        )
        .run({
          id: d.run.id,
          status: linked.run.status,
          finishedAt: linked.run.finishedAt,
          checks: JSON.stringify(linked.run.checks),
          summary: JSON.stringify(linked.summary),
          host: linked.run.host ? JSON.stringify(linked.run.host) : null,
          previousHash: linked.run.previousHash,
          hash: linked.run.hash,
          chainSeq: (prev?.chain_seq ?? 0) + 1,
        });
      return linked;
    });
    return tx.immediate(doc);
  }

  /**
   * Marks one run still `running` as `aborted`; false when it had already ended.
   * (A process aborting its own run must not touch another process's run in
   * flight on the same store: the CLI and `serve` may share one.)
   */
  abort(id: string, at: Date = new Date()): boolean {
    return this.db.prepare("UPDATE runs SET status='aborted', finished_at=? WHERE id=? AND status='running'").run(at.toISOString(), id).changes > 0;
  }

  /**
   * Marks runs left `running` by a crash as `aborted` (their owner process is
   * gone); returns their ids. A run whose owner still runs is in flight and
   * left alone (`inFlight()` lists them).
   */
  abortUnfinished(at: Date = new Date(), alive: (owner: string | null) => boolean = ownerAlive): string[] {
    const abandoned = this.inFlight()
      .filter((r) => !alive(r.owner))
      .map((r) => r.id);
    for (const id of abandoned) this.abort(id, at);
    return abandoned;
  }

  /** Runs recorded `running` (by any process), oldest first. */
  inFlight(): Array<{ id: string; owner: string | null }> {
    return this.db.prepare("SELECT id, owner FROM runs WHERE status = 'running' ORDER BY seq").all() as Array<{ id: string; owner: string | null }>;
  }

  /**
   * When runs were in flight from `since` on, newest first (at most `limit`):
   * ended runs with their end, runs in flight open-ended. A run left
   * `running` by a process that is gone has no end on record; it is left out
   * rather than made open-ended, which would hide every later log line from
   * broker-sessions until `serve` marks it aborted.
   */
  windowsSince(since: string, alive: (owner: string | null) => boolean = ownerAlive, limit = 10_000): RunWindow[] {
    const rows = this.db
      .prepare('SELECT started_at, finished_at, status, owner FROM runs WHERE finished_at IS NULL OR finished_at >= ? ORDER BY seq DESC LIMIT ?')
      .all(since, limit) as Array<{ started_at: string; finished_at: string | null; status: RunStatus; owner: string | null }>;
    return rows
      .filter((r) => r.status !== 'running' || alive(r.owner))
      .map((r) => ({ startedAt: r.started_at, finishedAt: r.status === 'running' ? null : r.finished_at }));
  }

  get(id: string): RunDocument | null {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ? AND pruned_at IS NULL').get(id) as RunRow | undefined;
    return row ? this.load(row) : null;
  }

  /** The latest run (optionally of one bundle / status; `finished`: completed or failed, i.e. linked into the chain). */
  latest(filter: { bundle?: string; status?: RunStatus; finished?: boolean } = {}): RunDocument | null {
    const row = this.db
      .prepare(
        `SELECT * FROM runs WHERE (@bundle IS NULL OR bundle=@bundle) AND (@status IS NULL OR status=@status)
           AND (@finished = 0 OR hash IS NOT NULL) AND pruned_at IS NULL ORDER BY seq DESC LIMIT 1`,
      )
      .get({ bundle: filter.bundle ?? null, status: filter.status ?? null, finished: filter.finished ? 1 : 0 }) as RunRow | undefined;
    return row ? this.load(row) : null;
  }

  list(opts: { limit: number; offset: number; bundle?: string; status?: RunStatus }): { total: number; items: RunListItem[] } {
    const where = '(@bundle IS NULL OR bundle=@bundle) AND (@status IS NULL OR status=@status)';
    const params = { bundle: opts.bundle ?? null, status: opts.status ?? null };
    const total = (this.db.prepare(`SELECT count(*) AS n FROM runs WHERE ${where}`).get(params) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT * FROM runs WHERE ${where} ORDER BY seq DESC LIMIT @limit OFFSET @offset`)
      .all({ ...params, limit: opts.limit, offset: opts.offset }) as RunRow[];
    return {
      total,
      items: rows.map((r) => ({
        id: r.id,
        bundle: r.bundle,
        trigger: r.trigger,
        status: r.status,
        startedAt: r.started_at,
        finishedAt: r.finished_at,
        summary: r.summary_json ? (JSON.parse(r.summary_json) as RunSummary) : null,
        hash: r.hash,
      })),
    };
  }

  private load(row: RunRow): RunDocument {
    const results = (this.db.prepare('SELECT * FROM results WHERE run_id = ? ORDER BY idx').all(row.id) as ResultRow[]).map(resultOfRow);
    const findings = (this.db.prepare('SELECT record_json FROM findings WHERE run_id = ? ORDER BY rowid').all(row.id) as Array<{ record_json: string }>).map(
      (f) => JSON.parse(f.record_json) as FindingRecord,
    );
    const evidence = (
      this.db.prepare('SELECT * FROM evidence WHERE run_id = ? ORDER BY rowid').all(row.id) as Array<{
        id: string;
        check_id: string;
        kind: string;
        resource: string;
        sha256: string;
        data_json: string;
      }>
    ).map((e): EvidenceRecord => ({ id: e.id, check: e.check_id, kind: e.kind, resource: e.resource, sha256: e.sha256, data: JSON.parse(e.data_json) }));
    const summary = row.summary_json
      ? (JSON.parse(row.summary_json) as RunSummary)
      : { posture: 'degraded' as const, findings: { critical: 0, high: 0, medium: 0, low: 0, info: 0 }, decision: 'hold' as const, decisionRule: 'run did not finish', headline: `Run ${row.status}` };
    return { run: headerOf(row), summary, results, findings, evidence };
  }

  /** Retention: ids of finished runs started before `before`, oldest first, that are not tombstones yet. */
  prunable(before: string): string[] {
    const rows = this.db.prepare("SELECT id FROM runs WHERE started_at < ? AND status != 'running' AND pruned_at IS NULL ORDER BY seq").all(before);
    return (rows as Array<{ id: string }>).map((r) => r.id);
  }

  /**
   * Turns finished runs into tombstones: deletes their results, findings and
   * evidence, keeps the row (id, hash, previous hash, summary) so verifyChain
   * still links every later run. get() and latest() no longer return them.
   */
  prune(ids: string[], at: Date = new Date()): number {
    const tx = this.db.transaction((list: string[]) => {
      let n = 0;
      for (const id of list) {
        for (const table of ['results', 'findings', 'evidence']) this.db.prepare(`DELETE FROM ${table} WHERE run_id = ?`).run(id);
        n += this.db.prepare("UPDATE runs SET pruned_at = ? WHERE id = ? AND status != 'running' AND pruned_at IS NULL").run(at.toISOString(), id).changes;
      }
      return n;
    });
    return tx.immediate(ids);
  }

  /** Whether a run id names a tombstone left by retention. */
  isPruned(id: string): boolean {
    return Boolean((this.db.prepare('SELECT pruned_at FROM runs WHERE id = ?').get(id) as { pruned_at: string | null } | undefined)?.pruned_at);
  }

  /**
   * Recomputes every finished run's hash and link, in the order they finished.
   * Tombstones (pruned runs) are checked for their link only.
   * Returns the problems found (empty when the chain holds).
   */
  verifyChain(): string[] {
    const problems: string[] = [];
    const rows = this.db.prepare('SELECT * FROM runs WHERE chain_seq IS NOT NULL ORDER BY chain_seq').all() as RunRow[];
    const unlinked = (this.db.prepare('SELECT count(*) AS n FROM runs WHERE hash IS NOT NULL AND chain_seq IS NULL').get() as { n: number }).n;
    if (unlinked) problems.push(`${unlinked} finished run(s) have a hash but no place in the chain`);
    let prev: string | null = null;
    for (const row of rows) {
      if (row.pruned_at) {
        // A tombstone: its content is gone by design, its hash still links the chain.
        if (row.previous_hash !== prev) problems.push(`run ${row.id} (pruned): previous-run hash does not match the run before it`);
        prev = row.hash;
        continue;
      }
      const doc = this.load(row);
      for (const e of doc.evidence) if (sha256Of(e.data) !== e.sha256) problems.push(`run ${row.id}: evidence ${e.id} does not match its sha256`);
      const recomputed = hashRun(doc);
      if (recomputed !== row.hash) problems.push(`run ${row.id}: stored hash does not match its content`);
      if (row.previous_hash !== prev) problems.push(`run ${row.id}: previous-run hash does not match the run before it`);
      prev = row.hash;
    }
    return problems;
  }
}

/** Small key/value settings (baseline id, key fingerprints, …). */
export class MetaRepository {
  constructor(private readonly db: Db) {}
  get(key: string): string | null {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value ?? null;
  }
  set(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }
}
