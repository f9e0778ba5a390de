// Device identities a check saw on the path, published for the other checks
// of the run (EvaluateInput.runEvidence): device-certs' DC-08 flags those not
// in the inventory. The telemetry check publishes them (hence the kind's
// name, kept as stored); any check that observes device ids may.

export const DEVICES_SEEN_KIND = 'telemetry-devices-seen';

export interface DevicesSeenData {
  /** Device ids observed. */
  devices: string[];
  /** More ids were seen than the check could track (telemetry.max_devices). */
  truncated: boolean;
}
