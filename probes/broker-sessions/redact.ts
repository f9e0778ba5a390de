// Mosquitto never logs a password, but people put secrets where it does log:
// a client id or user name such as `pw=hunter2`, a password typed into the
// user-name field. Lines kept as evidence have such values replaced. (The
// probe's own secrets are scrubbed from all evidence by the runner.)

const KEY_VALUE = /\b(password|passwd|passphrase|pwd|pass|secret|token|api[_-]?key|auth)(\s*[=:]\s*)([^\s,;'")]+)/gi;

export const REDACTED = '[redacted]';

export function redactLine(line: string): string {
  return line.replace(KEY_VALUE, (_m, key: string, sep: string) => `${key}${sep}${REDACTED}`);
}
