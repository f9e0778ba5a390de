// Defaults that code outside the schema also needs, kept free of typebox so
// that importing them does not load the schema builder at run time.

/** Largest ingest body the relay is meant to accept (ingest.max_body_bytes). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * Longest broker.log_window_h: the runner hands broker-sessions the run
 * windows of this many past hours, so the check can tell the probe's own
 * traffic from the devices'.
 */
export const MAX_LOG_WINDOW_H = 168;
