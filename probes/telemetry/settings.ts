// The telemetry section with every default applied, in one place (collect
// and evaluate both read it; defaults live nowhere else).
import type { BrokerConfig, ListenerConfig, PathauditConfig } from '../../config/schema/index.js';
import { wildcardLevel } from './message.js';

export const DEFAULTS = {
  sequence: '/seq',
  timestamp: '/ts',
  window_s: 30,
  qos: 1 as 0 | 1 | 2,
  publish_interval_s: 10,
  duplicate_threshold: 0.01,
  gap_threshold: 0.001,
  skew_threshold_s: 10,
  sequence_max: 0xffffffff,
  max_devices: 10000,
};

export interface TelemetrySettings {
  topics: string[];
  deviceId: { topic_level: number } | { pointer: string };
  sequence: string;
  timestamp: string;
  windowS: number;
  listener: string | undefined;
  qos: 0 | 1 | 2;
  publishIntervalS: number;
  duplicateThreshold: number;
  gapThreshold: number;
  skewThresholdS: number;
  sequenceMax: number;
  maxDevices: number;
  /** The firmware policy (TI-07/08), or null when telemetry.firmware is not set. */
  firmware: { pointer: string; minimum: string | null } | null;
}

/** Throws an error naming the config key when the section cannot work as written. */
export function telemetrySettings(config: PathauditConfig): TelemetrySettings {
  const t = config.telemetry;
  if (!t) throw new Error('no telemetry section in the config');
  let deviceId = t.device_id;
  if (!deviceId) {
    const level = wildcardLevel(t.topics[0]!);
    if (level === null) throw new Error(`telemetry.device_id: not set, and telemetry.topics[0] "${t.topics[0]}" has no "+" level to read the device id from`);
    deviceId = { topic_level: level };
  }
  return {
    topics: t.topics,
    deviceId,
    sequence: t.sequence ?? DEFAULTS.sequence,
    timestamp: t.timestamp ?? DEFAULTS.timestamp,
    windowS: t.window_s ?? DEFAULTS.window_s,
    listener: t.listener,
    qos: t.qos ?? DEFAULTS.qos,
    publishIntervalS: t.publish_interval_s ?? DEFAULTS.publish_interval_s,
    duplicateThreshold: t.duplicate_threshold ?? DEFAULTS.duplicate_threshold,
    gapThreshold: t.gap_threshold ?? DEFAULTS.gap_threshold,
    skewThresholdS: t.skew_threshold_s ?? DEFAULTS.skew_threshold_s,
    sequenceMax: t.sequence_max ?? DEFAULTS.sequence_max,
    maxDevices: t.max_devices ?? DEFAULTS.max_devices,
    firmware: t.firmware ? { pointer: t.firmware.pointer, minimum: t.firmware.minimum ?? null } : null,
  };
}

/** The listener to subscribe through: the named one, else the first TLS listener (what devices should use), else the first. */
export function telemetryListener(broker: BrokerConfig, name: string | undefined): ListenerConfig {
  if (name) {
    const l = broker.listeners.find((x) => x.name === name);
    if (!l) throw new Error(`telemetry.listener: no broker listener named "${name}" (known: ${broker.listeners.map((x) => x.name).join(', ')})`);
    return l;
  }
  return broker.listeners.find((l) => l.tls && !l.websocket) ?? broker.listeners.find((l) => !l.websocket) ?? broker.listeners[0]!;
}

