// telemetry's evidence, declared once: the observation window on the
// telemetry topics, the device ids seen (published for device-certs' DC-08,
// probes/devices-seen.ts) and one report per device, with their resource ids.
import type { ConnectObservation } from '../mqtt.js';
import { DEVICES_SEEN_KIND, type DevicesSeenData } from '../devices-seen.js';
import { declareEvidenceFamily } from '../evidence.js';
import { deviceResource, FLEET_RESOURCE } from '../resources.js';
import type { AnalyzerTotals, DeviceReport } from './analyzer.js';

export { deviceResource, FLEET_RESOURCE };

export interface SubscriptionResult {
  topic: string;
  /** SUBACK return code: granted QoS, or ≥ 0x80 refused; null when no SUBACK came. */
  granted: number | null;
}

export interface WindowData {
  listener: string;
  identity: string;
  attempts: ConnectObservation[];
  subscriptions: SubscriptionResult[] | null;
  subscribeError: string | null;
  qos: number;
  plannedWindowMs: number;
  /** How long the subscription was actually listened to (0 when it never was). */
  observedWindowMs: number;
  windowStart: string | null;
  windowEnd: string | null;
  /** The session was lost or the check aborted before the window ended: why, else null. */
  interrupted: string | null;
  /** The window was shortened to fit the check budget (connect and subscribe took time), ms cut. */
  shortenedMs: number;
  totals: AnalyzerTotals;
  devicesObserved: number;
}

/** The telemetry topics as one resource: where the window and the controls without a device report. */
export const topicsResource = (topics: string[]) => `telemetry ${topics.join(', ')}`;

/** The window, keyed `window`, on the topics' resource. */
export const windowEvidence = declareEvidenceFamily<string, WindowData>({ kind: 'telemetry-window', key: () => 'window', resource: (topics) => topics });
/** The device ids seen in the window, on the topics' resource. */
export const devicesSeenEvidence = declareEvidenceFamily<string, DevicesSeenData>({ kind: DEVICES_SEEN_KIND, key: () => 'devices-seen', resource: (topics) => topics });
/** One device's report, keyed by its id, on the device's resource. */
export const deviceReportEvidence = declareEvidenceFamily<string, DeviceReport>({ kind: 'telemetry-device', key: (id) => `device ${id}`, resource: deviceResource });
