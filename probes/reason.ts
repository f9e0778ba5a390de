// One line saying why an I/O step failed, for evidence and result details.
// It lives here, in the lower layer, so a check folder depends on nothing
// under agent/; agent/errors.ts re-exports it.

/** `ENOENT: no such file or directory, open '/x'` → kept whole; other errors → their first message line. */
export function reasonOf(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    const msg = (err.message.split('\n')[0] ?? '').trim();
    return code && !msg.includes(code) ? `${code}: ${msg}` : msg;
  }
  return String(err);
}

/** The errno code of a failed file operation, or null. */
export const errnoOf = (err: unknown): string | null => (err as NodeJS.ErrnoException | null)?.code ?? null;
