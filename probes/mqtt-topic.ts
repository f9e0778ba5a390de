// MQTT topic filters (MQTT 3.1.1 §4.7, MQTT 5 §4.7): `+` matches one level,
// a trailing `#` the parent level and everything below it, and a filter that
// starts with a wildcard never matches a topic that starts with `$`.

export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return i === f.length - 1;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Whether a topic is inside any of the filters. */
export const inScope = (filters: readonly string[], topic: string): boolean => filters.some((f) => topicMatches(f, topic));
