// What a config audits: the checks it configures. A config that configures
// none (an empty file, a store section alone) is valid YAML and a valid
// schema, yet every run of it would observe nothing and report every control
// `skipped`: `config validate` warns (exit 4) and `run` refuses (exit 3).
import type { PathauditConfig } from '../../config/schema/index.js';
import { CHECK_INFOS, checkInfo } from '../../probes/catalogue.js';

export interface Coverage {
  configured: string[];
  notConfigured: Array<{ check: string; reason: string }>;
}

/** Which of `checks` (default: every check) the config configures, and why the others are not. */
export function coverageOf(config: PathauditConfig, checks: readonly string[] = CHECK_INFOS.map((c) => c.id)): Coverage {
  const out: Coverage = { configured: [], notConfigured: [] };
  for (const id of checks) {
    const reason = checkInfo(id)?.notConfigured(config) ?? null;
    if (reason) out.notConfigured.push({ check: id, reason });
    else out.configured.push(id);
  }
  return out;
}

/** The sentence both commands say when a config audits nothing. */
export const NOTHING_AUDITED = 'nothing audited: every check is not configured';
