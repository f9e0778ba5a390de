// The built-in bundles: named sets of checks for the stages of an engagement.
// A check says which of them run it (its info.ts `bundles`); `full` runs every
// check. Operators add their own bundles in the config.

/** Each built-in bundle and what it is for. */
export const BUILTIN_BUNDLE_PURPOSES = {
  'audit-baseline': 'the first audit of the path: broker transport and certificates, the ingest edge, the gateway OS',
  'hardening-verification': 'the rerun after a sprint: what a hardening changes on the broker, the ingest edge and the gateway OS',
  'certificate-hygiene': 'device identities: certificate expiry, key reuse and strength, issuer',
  'telemetry-trust': 'the telemetry stream: duplicates, gaps, silent devices, clock skew, firmware policy',
  'device-trust': 'the attached devices: how they are attached to the gateway (USB, bootloader, debug probes, serial nodes) and how they behave on its broker (takeovers, refused logins, certificate failures, unknown clients, churn)',
} as const;

export type BundleName = keyof typeof BUILTIN_BUNDLE_PURPOSES;

/** The bundle that runs every check of the catalogue. */
export const FULL_BUNDLE = 'full';
