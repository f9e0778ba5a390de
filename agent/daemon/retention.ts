// Retention: runs older than `store.retention_days` are pruned, except the
// baseline, the runs a monthly snapshot refers to and the latest finished run
// (the posture must never go blank because the gateway sat idle).
//
// How the chain stays verifiable: a pruned run is not deleted but turned into
// a tombstone (RunRepository.prune): its results, findings and evidence go,
// its row keeps id, hash, previous hash and summary. verifyChain checks a
// tombstone's link to the run before it and carries its stored hash forward,
// so every later run still links — and a tombstone whose hash was edited
// breaks the next link exactly as a full run would. What a tombstone can no
// longer prove is its own content: that is what retention gives up.
import { getBaseline } from '../evidence/baseline.js';
import type { Log } from '../log.js';
import type { Store } from '../store/index.js';

export interface PruneOutcome {
  pruned: string[];
  kept: string[];
}

/** Run ids retention must keep whatever their age. */
export function protectedRuns(store: Store): Set<string> {
  const keep = new Set<string>();
  const baseline = getBaseline(store);
  if (baseline) keep.add(baseline);
  const snaps = store.db.prepare('SELECT run_id, baseline_id FROM snapshots').all() as Array<{ run_id: string | null; baseline_id: string | null }>;
  for (const s of snaps) {
    if (s.run_id) keep.add(s.run_id);
    if (s.baseline_id) keep.add(s.baseline_id);
  }
  const latest = store.db.prepare("SELECT id FROM runs WHERE status IN ('completed','failed') AND pruned_at IS NULL ORDER BY seq DESC LIMIT 1").get() as { id: string } | undefined;
  if (latest) keep.add(latest.id);
  return keep;
}

export function pruneRuns(store: Store, retentionDays: number | undefined, now: Date, log?: Log): PruneOutcome {
  if (!retentionDays) return { pruned: [], kept: [] };
  const before = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
  const keep = protectedRuns(store);
  const candidates = store.runs.prunable(before);
  const pruned = candidates.filter((id) => !keep.has(id));
  const kept = candidates.filter((id) => keep.has(id));
  if (pruned.length) {
    store.runs.prune(pruned, now);
    log?.info({ pruned: pruned.length, kept, retentionDays }, 'retention pruned old runs (tombstones keep the chain)');
  }
  return { pruned, kept };
}
