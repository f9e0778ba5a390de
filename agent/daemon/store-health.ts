// Whether the daemon can still write its store. A full disk or a state
// directory remounted read-only (an SD card going bad does exactly that) must
// not take the daemon down: reads keep working, so the API keeps answering
// with the last posture, while /healthz says `degraded` and /metrics
// `pathaudit_store_healthy 0` until a later write succeeds.
//
// The state is learned from the writes themselves (run rows, finished runs,
// baseline, retention): no probe writes are made just to find out.
import { reasonOf } from '../errors.js';
import { storeWrite } from '../store/index.js';

export interface StoreFailure {
  /** What the daemon was writing: `record run`, `store run`, `retention`, … */
  operation: string;
  reason: string;
  /** When the first failure of this streak happened (ISO 8601). */
  since: string;
}

export class StoreHealth {
  #failure: StoreFailure | null = null;

  constructor(
    readonly file: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** null while the last write succeeded. */
  get failure(): StoreFailure | null {
    return this.#failure;
  }

  /**
   * Runs one store write. A failure is recorded and rethrown as a
   * PATHAUDIT_ERR_STORE naming the store file; a success clears the state.
   */
  write<T>(operation: string, fn: () => T): T {
    try {
      const out = storeWrite(this.file, operation, fn);
      this.#failure = null;
      return out;
    } catch (err) {
      const reason = reasonOf((err as Error).cause ?? err);
      this.#failure = { operation, reason, since: this.#failure?.since ?? this.now().toISOString() };
      throw err;
    }
  }
}
