// Numbered migrations. PRAGMA user_version records how many have run; each
// runs once, in a transaction. Append only: never edit a shipped migration.
export const MIGRATIONS: readonly string[] = [
  // 1: runs and what they produced
  `
  CREATE TABLE runs (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT NOT NULL UNIQUE,
    bundle         TEXT NOT NULL,
    trigger        TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('running','completed','failed','aborted')),
    started_at     TEXT NOT NULL,
    finished_at    TEXT,
    agent_version  TEXT NOT NULL,
    config_hash    TEXT NOT NULL,
    gateway_id     TEXT NOT NULL,
    path_json      TEXT,
    checks_json    TEXT NOT NULL DEFAULT '[]',
    summary_json   TEXT,
    previous_hash  TEXT,
    hash           TEXT UNIQUE
  );
  CREATE INDEX runs_started ON runs(started_at);
  CREATE INDEX runs_bundle ON runs(bundle, seq);
  CREATE TABLE results (
    run_id    TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    idx       INTEGER NOT NULL,
    control   TEXT NOT NULL,
    check_id  TEXT NOT NULL,
    resource  TEXT NOT NULL,
    status    TEXT NOT NULL,
    severity  TEXT NOT NULL,
    detail    TEXT NOT NULL,
    evidence_json TEXT NOT NULL,
    PRIMARY KEY (run_id, idx)
  );
  CREATE INDEX results_control ON results(control, resource);
  CREATE TABLE findings (
    run_id       TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    fingerprint  TEXT NOT NULL,
    control      TEXT NOT NULL,
    resource     TEXT NOT NULL,
    severity     TEXT NOT NULL,
    waived       INTEGER NOT NULL,
    record_json  TEXT NOT NULL,
    PRIMARY KEY (run_id, fingerprint)
  );
  CREATE TABLE evidence (
    run_id    TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    id        TEXT NOT NULL,
    check_id  TEXT NOT NULL,
    kind      TEXT NOT NULL,
    resource  TEXT NOT NULL,
    sha256    TEXT NOT NULL,
    data_json TEXT NOT NULL,
    PRIMARY KEY (run_id, id)
  );
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // 2: monthly snapshots (the retainer record): one per month, retaking replaces it
  `
  CREATE TABLE snapshots (
    month          TEXT PRIMARY KEY CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
    taken_at       TEXT NOT NULL,
    run_id         TEXT,
    baseline_id    TEXT,
    snapshot_json  TEXT NOT NULL
  );
  `,
  // 3: retention tombstones: a pruned run keeps its row (id, hash, previous
  // hash, summary) so the chain stays verifiable; its results, findings and
  // evidence are deleted (agent/daemon/retention.ts)
  `
  ALTER TABLE runs ADD COLUMN pruned_at TEXT;
  `,
  // 4: the latest run of each check is one index seek (posture, snapshots)
  `
  CREATE INDEX results_check ON results(check_id);
  `,
  // 5: the chain follows the order runs finished in. Two runs in flight at
  // once (two CLI runs, or a CLI run beside the daemon's) may finish in either
  // order; linking to the latest finished run but verifying in the order runs
  // began broke the chain when the later one finished first. Chains written
  // before keep their begin order, which is how they were linked.
  `
  ALTER TABLE runs ADD COLUMN chain_seq INTEGER;
  UPDATE runs SET chain_seq = seq WHERE hash IS NOT NULL;
  CREATE UNIQUE INDEX runs_chain ON runs(chain_seq);
  `,
  // 6: the process a running row belongs to ("host/pid/start", store/owner.ts):
  // `serve` starting beside a `pathaudit run` in flight must not mark it
  // aborted. Rows from before have no owner and count as abandoned.
  `
  ALTER TABLE runs ADD COLUMN owner TEXT;
  `,
  // 7: the latest *observed* result of a control on a resource is one index
  // seek: the posture keeps a finding open across later runs whose probe
  // failed (error), and must find its last observation without walking every
  // error row of a control that has been failing for months.
  `
  CREATE INDEX results_observed ON results(control, resource) WHERE status IN ('pass', 'fail', 'warn');
  `,
  // 8: a skipped result can say its check observed the resource absent (a
  // closed listener): the delta then counts it gone, its findings resolved.
  `
  ALTER TABLE results ADD COLUMN gone INTEGER NOT NULL DEFAULT 0;
  `,
  // 9: the box a run's evidence came from (model, OS, kernel, serial)
  `
  ALTER TABLE runs ADD COLUMN host_json TEXT;
  `,
  // 10: the evidence bundles exported (`pathaudit bundle list`): a bundle
  // leaves the gateway as a file, and which runs went out, when, where and
  // signed by which key is the gateway's own record. No foreign key: the
  // record outlives a pruned run.
  `
  CREATE TABLE bundle_exports (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id          TEXT NOT NULL,
    exported_at     TEXT NOT NULL,
    destination     TEXT NOT NULL,
    sha256          TEXT NOT NULL,
    bytes           INTEGER NOT NULL,
    key_fingerprint TEXT NOT NULL,
    trigger         TEXT NOT NULL
  );
  CREATE INDEX bundle_exports_run ON bundle_exports(run_id);
  `,
];
