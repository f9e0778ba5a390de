// The bound on /metrics' cardinality. Most label values come from fixed
// sets (checks, controls, severities, statuses), but two come from what the
// operator configured or the gateway holds: resource ids (one per listener,
// endpoint, device, socket…: a gateway with 5,000 devices would export 5,000
// series per control) and bundle names (the config's bundles, `checks:…`
// runs). A fleet of 50 gateways multiplies each.
//
// So each metric keeps at most `max` distinct values of such a label
// (api.metrics_max_resources, default 200) and folds the rest into one
// series whose label says OVERFLOW. Which values are kept is decided by what
// matters for alerting, not by order of arrival: failing results before
// passing ones, the soonest-expiring certificates first, then by name, so
// that the series a rule looks at are never the folded ones, and the choice
// is stable from one scrape to the next. `pathaudit_metrics_folded{metric}`
// counts what was folded, so a dashboard can show that the cap is in force.
import { compareText } from '../../probes/compare.js';

/** The label value of the series that holds everything past the cap. */
export const OVERFLOW = '(overflow)';
export const DEFAULT_MAX_RESOURCES = 200;

/**
 * Splits items by a user-derived label: the first `max` distinct values in
 * `rank` order are kept, every item of the other values is folded.
 */
export function capLabel<T>(items: readonly T[], labelOf: (item: T) => string, rank: (a: T, b: T) => number, max: number): { kept: T[]; folded: T[] } {
  const order = [...items].sort((a, b) => rank(a, b) || compareText(labelOf(a), labelOf(b)));
  const keep = new Set<string>();
  for (const item of order) {
    if (keep.size >= max) break;
    keep.add(labelOf(item));
  }
  const kept: T[] = [];
  const folded: T[] = [];
  for (const item of items) (keep.has(labelOf(item)) ? kept : folded).push(item);
  return { kept, folded };
}
