/**
 * `load` on the first call, its promise for every later call; a failed load
 * is tried again on the next call. For what a route builds on first use
 * (/metrics' registry, /docs' Swagger UI app).
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= load().catch((err: unknown) => {
      pending = undefined;
      throw err;
    }));
}
