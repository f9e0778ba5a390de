// The posture view: the latest observed result per control + resource across
// every finished run (a bundle that checks only the broker does not erase what
// the last full audit saw of the ingest edge; see evidence/posture.ts), its
// findings with today's waivers, the runs it draws on, and the summary over
// them.
//
// Computed once per change (a run finished, the config reloaded, the store
// pruned) and served from memory: GET /v1/posture is the route an operator's
// dashboard polls, it must stay cheap on a Pi.
import type { Status } from '../../probes/types.js';
import type { PostureView } from '../contracts/posture.js';
import type { LoadedConfig } from '../config/load.js';
import { latestPosture, type PostureResult } from '../evidence/posture.js';
import { summarize, thresholdsFrom } from '../evidence/summary.js';
import { applyWaivers } from '../evidence/waivers.js';
import type { Store } from '../store/index.js';

// The posture's shape is defined once, with its schema, in agent/contracts/posture.ts.
export type { PostureResult, PostureView };

export function computePosture(store: Store, loaded: LoadedConfig, now: Date): PostureView {
  const { results, findings: recorded, sources } = latestPosture(store);
  const latest = store.runs.list({ limit: 1, offset: 0 }).items.find((r) => r.status !== 'running') ?? null;
  // Waivers as the config says today, not as they stood when each run finished.
  const findings = applyWaivers(
    recorded.map((f) => ({ ...f, waived: false, waiver: null })),
    loaded.config.waivers,
    now,
  );
  const statusCounts: Record<Status, number> = { pass: 0, fail: 0, warn: 0, skipped: 0, error: 0 };
  for (const r of results) statusCounts[r.status] += 1;
  return {
    gatewayId: loaded.config.gateway?.id ?? 'unknown',
    generatedAt: now.toISOString(),
    latestRun: latest
      ? {
          id: latest.id,
          bundle: latest.bundle,
          status: latest.status,
          startedAt: latest.startedAt,
          finishedAt: latest.finishedAt,
          durationMs: latest.finishedAt ? Date.parse(latest.finishedAt) - Date.parse(latest.startedAt) : null,
        }
      : null,
    summary: results.length ? summarize(findings, results, thresholdsFrom(loaded.config)) : null,
    statusCounts,
    results,
    findings,
    sources,
  };
}

/** The posture, kept in memory with its serialized form; stale after `invalidate()` or maxAgeMs (waivers expire with the date). */
export class PostureCache {
  #view: PostureView | null = null;
  #json: string | null = null;
  #at = 0;

  constructor(
    private readonly store: Store,
    private readonly config: () => LoadedConfig,
    private readonly now: () => Date = () => new Date(),
    private readonly maxAgeMs = 60_000,
  ) {}

  invalidate(): void {
    this.#view = null;
    this.#json = null;
  }

  get(): PostureView {
    const t = Date.now();
    if (!this.#view || t - this.#at > this.maxAgeMs) {
      this.#view = computePosture(this.store, this.config(), this.now());
      this.#json = null;
      this.#at = t;
    }
    return this.#view;
  }

  /** The posture as a JSON string (serialized once per change). */
  json(): string {
    const view = this.get();
    this.#json ??= JSON.stringify(view);
    return this.#json;
  }
}
