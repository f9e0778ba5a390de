// Ordering of ids, resources, topics and names: by UTF-16 code units, the
// same on every machine. String.prototype.localeCompare would order by the
// host's ICU collation (its locale and ICU version), and its first call loads
// ICU's collation data into the process (~2 MB of resident memory in a daemon
// that otherwise never needs it).
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
