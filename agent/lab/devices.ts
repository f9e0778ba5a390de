// Simulated STM32 devices for the lab, tests, benchmarks and the demo: one
// mqtt.js client per device, each with its own client certificate (for mTLS
// listeners), its own sequence counter and knobs for every telemetry fault the
// telemetry check looks for. Fault schedules are deterministic (a 2% duplicate
// rate over 500 messages is exactly 10 duplicates) so tests can assert exact
// counts.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Issued } from './certs.js';

export interface DeviceKnobs {
  /** Messages (sequence numbers) per second (default 10). */
  rateHz?: number;
  /** Stop after this many sequence numbers (default: publish until stop()). */
  messages?: number;
  /** Fraction of messages published twice with the exact same payload: QoS 1 redelivery without de-duplication. */
  duplicateRate?: number;
  /** Fraction of messages followed by a second one with the same sequence number and a different payload. */
  conflictRate?: number;
  /** After the `after`-th message, skip `skip` sequence numbers (lost readings). */
  gaps?: Array<{ after: number; skip: number }>;
  /** Device clock offset in seconds (positive: the device clock runs ahead). */
  skewS?: number;
  /** Connects and stays silent. */
  silent?: boolean;
  /** After these message counts the counter goes back to 0, as after a reboot. */
  restartsAfter?: number[];
  /** Publish with retain: every message, only the first, or none (default). */
  retain?: boolean | 'first';
  /** Fraction of messages held back and sent after the next one (out-of-order delivery). */
  reorderRate?: number;
  /** Publish QoS (default 1). */
  qos?: 0 | 1;
  /** Timestamp encoding (default ms). */
  timestamp?: 'ms' | 's' | 'rfc3339' | 'none';
  /** First sequence number (default 0). */
  startSeq?: number;
  /** Largest counter value before it wraps to 0 (default 4294967295). */
  sequenceMax?: number;
  /** Firmware version reported in every message as `fw` (telemetry.firmware.pointer /fw); none by default. */
  firmware?: string | number;
}

export interface SimulatedDevice {
  id: string;
  /** Client certificate and key (from agent/lab/certs.ts deviceCert) presented where the broker asks. */
  cert?: Issued;
  username?: string;
  password?: string;
  knobs?: DeviceKnobs;
}

export interface StartDevicesOptions {
  /** Broker URL, e.g. mqtt://127.0.0.1:1883 or mqtts://127.0.0.1:8883 (loopback only in the lab). */
  url: string;
  /** Trust anchor for the broker certificate; without it the server certificate is not verified. */
  ca?: string;
  servername?: string;
  devices: SimulatedDevice[];
  /** Topic a device publishes on (default devices/<id>/telemetry). */
  topicOf?: (id: string) => string;
  /** Connect timeout per device (default 5000 ms). */
  connectTimeoutMs?: number;
}

export interface DeviceCounts {
  id: string;
  /** PUBLISH packets sent (including duplicates and conflicts). */
  packets: number;
  /** Distinct sequence numbers published (each reading once). */
  readings: number;
  duplicates: number;
  conflicts: number;
  /** Sequence numbers skipped by the gap knob. */
  skipped: number;
  restarts: number;
  retained: number;
  reordered: number;
  /** PUBACKs received (QoS 1) or packets written (QoS 0). */
  acknowledged: number;
}

export interface RunningDevices {
  devices: Array<{ id: string; client: MqttClient }>;
  counts(): DeviceCounts[];
  /** Resolves when every device with a finite `messages` knob has published and been acknowledged. */
  done: Promise<void>;
  stop(): Promise<void>;
}

export const defaultTopicOf = (id: string) => `devices/${id}/telemetry`;

/** Deterministic schedule: true for exactly round(n × rate) of the first n indexes, evenly spread. */
export const scheduled = (i: number, rate: number | undefined) => Boolean(rate) && Math.floor((i + 1) * rate!) > Math.floor(i * rate!);

function stampOf(ms: number, format: DeviceKnobs['timestamp']): number | string | undefined {
  if (format === 'none') return undefined;
  if (format === 's') return Math.floor(ms / 1000);
  if (format === 'rfc3339') return new Date(ms).toISOString();
  return Math.round(ms);
}

const TICK_MS = 10;

class Device {
  readonly counts: DeviceCounts;
  #seq: number;
  #index = 0;
  #held: { payload: string; retain: boolean } | null = null;
  #timer: NodeJS.Timeout | null = null;
  #started = 0;
  #finished!: () => void;
  readonly finished = new Promise<void>((r) => (this.#finished = r));
  #outstanding = 0;
  #allSent = false;

  constructor(
    readonly spec: SimulatedDevice,
    readonly client: MqttClient,
    readonly topic: string,
  ) {
    this.counts = { id: spec.id, packets: 0, readings: 0, duplicates: 0, conflicts: 0, skipped: 0, restarts: 0, retained: 0, reordered: 0, acknowledged: 0 };
    this.#seq = spec.knobs?.startSeq ?? 0;
    if (spec.knobs?.silent || spec.knobs?.messages === 0) {
      this.#allSent = true;
      this.#finished();
    }
  }

  start(): void {
    if (this.#allSent) return;
    this.#started = performance.now();
    this.#timer = setInterval(() => this.tick(), TICK_MS);
    this.tick();
  }

  private tick(): void {
    const k = this.spec.knobs ?? {};
    const due = Math.floor(((performance.now() - this.#started) / 1000) * (k.rateHz ?? 10)) + 1;
    const limit = k.messages ?? Infinity;
    while (this.#index < due && this.#index < limit) this.step(k);
    if (this.#index >= limit) this.finishSending();
  }

  private publish(payload: string, retain: boolean): void {
    const k = this.spec.knobs ?? {};
    const qos = k.qos ?? 1;
    this.counts.packets++;
    if (retain) this.counts.retained++;
    this.#outstanding++;
    this.client.publish(this.topic, payload, { qos, retain }, (err) => {
      this.#outstanding--;
      if (!err) this.counts.acknowledged++;
      if (this.#allSent && this.#outstanding === 0) this.#finished();
    });
  }

  /** One reading: its sequence number, the faults scheduled for it, then the counter moves on. */
  private step(k: DeviceKnobs): void {
    const i = this.#index++;
    const retain = k.retain === true || (k.retain === 'first' && i === 0);
    const ms = Date.now() + (k.skewS ?? 0) * 1000;
    const reading = { seq: this.#seq, ts: stampOf(ms, k.timestamp), t: Math.round((21 + Math.sin(i / 10) * 3) * 100) / 100, ...(k.firmware !== undefined ? { fw: k.firmware } : {}) };
    const payload = JSON.stringify(reading);
    this.counts.readings++;
    if (scheduled(i, k.reorderRate) && !this.#held) {
      this.#held = { payload, retain };
      this.counts.reordered++;
    } else {
      this.publish(payload, retain);
      if (this.#held) {
        this.publish(this.#held.payload, this.#held.retain);
        this.#held = null;
      }
    }
    if (scheduled(i, k.duplicateRate)) {
      this.publish(payload, retain);
      this.counts.duplicates++;
    }
    if (scheduled(i, k.conflictRate)) {
      this.publish(JSON.stringify({ ...reading, t: reading.t + 10 }), retain);
      this.counts.conflicts++;
    }
    const max = k.sequenceMax ?? 0xffffffff;
    const advance = (n: number) => {
      this.#seq += n;
      if (this.#seq > max) this.#seq -= max + 1;
    };
    advance(1);
    for (const g of k.gaps ?? [])
      if (g.after === i + 1) {
        advance(g.skip);
        this.counts.skipped += g.skip;
      }
    if (k.restartsAfter?.includes(i + 1)) {
      this.#seq = 0;
      this.counts.restarts++;
    }
  }

  private finishSending(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    if (this.#held) {
      this.publish(this.#held.payload, this.#held.retain);
      this.#held = null;
    }
    if (!this.#allSent) {
      this.#allSent = true;
      if (this.#outstanding === 0) this.#finished();
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#allSent = true;
    this.#finished();
  }
}

function connect(opts: StartDevicesOptions, d: SimulatedDevice): Promise<MqttClient> {
  const o: IClientOptions = {
    clientId: d.id,
    username: d.username,
    password: d.password,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: opts.connectTimeoutMs ?? 5000,
    cert: d.cert?.certPem,
    key: d.cert?.keyPem,
    ca: opts.ca,
    servername: opts.servername,
    rejectUnauthorized: Boolean(opts.ca),
  };
  return new Promise((resolve, reject) => {
    // Options, not the URL string: mqtt.js would url.parse() it (deprecated in Node 24, DEP0169).
    const url = new URL(opts.url);
    const client = mqtt.connect({ protocol: url.protocol.replace(/:$/, '') as 'mqtts', host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port), ...o });
    const onError = (err: Error) => {
      client.removeListener('close', onClose);
      client.end(true);
      reject(new Error(`device ${d.id}: cannot connect to ${opts.url}: ${err.message}`));
    };
    const onClose = () => onError(new Error('connection closed before CONNACK'));
    client.once('connect', () => {
      client.removeListener('error', onError);
      client.removeListener('close', onClose);
      // Later errors (the broker going away in a test teardown) must not crash the lab.
      client.on('error', () => {});
      resolve(client);
    });
    client.once('error', onError);
    client.once('close', onClose);
  });
}

/** Connects every device, then starts publishing; rejects (closing those already connected) if one cannot connect. */
export async function startDevices(opts: StartDevicesOptions): Promise<RunningDevices> {
  const host = new URL(opts.url).hostname.replace(/^\[|\]$/g, '');
  if (!/^(127\.|::1$|localhost$)/.test(host)) throw new Error(`lab devices publish on loopback only (got ${host})`);
  const topicOf = opts.topicOf ?? defaultTopicOf;
  const settled = await Promise.allSettled(opts.devices.map((d) => connect(opts, d)));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    for (const s of settled) if (s.status === 'fulfilled') s.value.end(true);
    throw failed.reason;
  }
  const sims = opts.devices.map((d, i) => new Device(d, (settled[i] as PromiseFulfilledResult<MqttClient>).value, topicOf(d.id)));
  for (const s of sims) s.start();
  return {
    devices: sims.map((s) => ({ id: s.spec.id, client: s.client })),
    counts: () => sims.map((s) => ({ ...s.counts })),
    done: Promise.all(sims.map((s) => s.finished)).then(() => undefined),
    stop: async () => {
      for (const s of sims) s.stop();
      await Promise.all(sims.map((s) => new Promise<void>((r) => s.client.end(false, {}, () => r()))));
    },
  };
}
