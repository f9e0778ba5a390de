// telemetry collection: subscribe as the probe identity to the telemetry
// topics over the configured listener, and hand every delivered PUBLISH to the
// analyzer for the window. The analyzer's per-device reports are the evidence;
// no payload leaves this module.
import type { MqttClient, Packet } from 'mqtt';
import { reasonOf } from '../reason.js';
import { probeCredentials, targetOf } from '../broker-identity.js';
import { listenerResource } from '../resources.js';
import { endQuietly, mqttConnectAuto } from '../mqtt.js';
import type { CollectContext, Evidence } from '../types.js';
import { TelemetryAnalyzer, type DeviceReport } from './analyzer.js';
import { deviceReportEvidence, devicesSeenEvidence, topicsResource, windowEvidence, type SubscriptionResult, type WindowData } from './evidence.js';
import { telemetryListener, telemetrySettings } from './settings.js';

/** Time kept back from the check budget to close the session and build evidence. */
export const BUDGET_MARGIN_MS = 1000;
/** The runner's default per-check budget (agent/runner/execute.ts DEFAULT_CHECK_TIMEOUT_S). */
const RUNNER_DEFAULT_BUDGET_S = 10;

/**
 * The check's time budget: the runner may pass it (`budgetMs`); otherwise it
 * is runner.check_timeout_s as the runner reads it.
 */
function budgetMsOf(ctx: CollectContext): number {
  const passed = (ctx as CollectContext & { budgetMs?: number }).budgetMs;
  return passed ?? (ctx.config.runner?.check_timeout_s ?? RUNNER_DEFAULT_BUDGET_S) * 1000;
}

function subscribe(client: MqttClient, topics: string[], qos: 0 | 1 | 2, timeoutMs: number): Promise<{ subscriptions: SubscriptionResult[] | null; error: string | null }> {
  return new Promise((resolve) => {
    // mqtt.js reports a refused SUBACK with the *requested* QoS: read the broker's codes from the packet.
    let suback: number[] | null = null;
    const onPacket = (p: Packet) => {
      if (p.cmd === 'suback') suback = ((p as { granted?: Array<number | { qos: number }> }).granted ?? []).map((g) => (typeof g === 'number' ? g : g.qos));
    };
    const done = (r: { subscriptions: SubscriptionResult[] | null; error: string | null }) => {
      clearTimeout(timer);
      client.off('packetreceive', onPacket);
      resolve(r);
    };
    const timer = setTimeout(() => done({ subscriptions: null, error: `no SUBACK within ${timeoutMs} ms` }), timeoutMs);
    client.on('packetreceive', onPacket);
    client.subscribe(Object.fromEntries(topics.map((t) => [t, { qos }])), (err) => {
      const codes = suback;
      if (!codes) return done({ subscriptions: null, error: err ? reasonOf(err) : 'SUBACK without return codes' });
      done({ subscriptions: topics.map((topic, i) => ({ topic, granted: codes[i] ?? null })), error: null });
    });
  });
}

/** Resolves after ms, or earlier when the session closes or the check is aborted; returns why it ended early. */
function listenFor(ms: number, client: MqttClient, signal: AbortSignal): Promise<string | null> {
  return new Promise((resolve) => {
    const finish = (why: string | null) => {
      clearTimeout(timer);
      client.off('close', onClose);
      signal.removeEventListener('abort', onAbort);
      resolve(why);
    };
    const onClose = () => finish('the broker closed the probe session');
    const onAbort = () => finish('the check budget ran out');
    const timer = setTimeout(() => finish(null), Math.max(0, ms));
    client.once('close', onClose);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

export async function collectTelemetry(ctx: CollectContext): Promise<Evidence[]> {
  const started = performance.now();
  const settings = telemetrySettings(ctx.config);
  const broker = ctx.config.broker;
  if (!broker) throw new Error('telemetry needs the broker section (host, listeners, auth) to subscribe');
  const listener = telemetryListener(broker, settings.listener);
  const plannedWindowMs = Math.round(settings.windowS * 1000);
  const budgetMs = budgetMsOf(ctx);
  if (plannedWindowMs + BUDGET_MARGIN_MS > budgetMs)
    throw new Error(
      `telemetry.window_s (${settings.windowS} s) does not fit the check budget of ${budgetMs / 1000} s (runner.check_timeout_s): ` +
        `raise runner.check_timeout_s to at least ${Math.ceil(settings.windowS + BUDGET_MARGIN_MS / 1000 + (2 * ctx.stepTimeoutMs) / 1000)} or shorten the window`,
    );

  const host = listener.host ?? broker.host;
  // Named as broker-transport names the listener (the window evidence says which).
  const lres = listenerResource(listener, host);
  const resource = topicsResource(settings.topics);
  const creds = probeCredentials(broker, listener, ctx.secrets);
  const identity = creds.label;
  const target = targetOf(listener, host, broker, ctx, listener.tls, creds);
  const analyzer = new TelemetryAnalyzer({
    deviceId: settings.deviceId,
    sequence: settings.sequence,
    timestamp: settings.timestamp,
    sequenceMax: settings.sequenceMax,
    maxDevices: settings.maxDevices,
    firmware: settings.firmware?.pointer ?? null,
  });

  ctx.progress?.(`${lres}: connect as ${identity}`);
  const session = await mqttConnectAuto(target, { username: creds.username, password: creds.password, protocol: broker.protocol }, true);
  const window: WindowData = {
    listener: lres,
    identity,
    attempts: session.attempts,
    subscriptions: null,
    subscribeError: null,
    qos: settings.qos,
    plannedWindowMs,
    observedWindowMs: 0,
    windowStart: null,
    windowEnd: null,
    interrupted: null,
    shortenedMs: 0,
    totals: analyzer.totals(),
    devicesObserved: 0,
  };
  const client = session.client;
  if (client) {
    try {
      let listening = true;
      // Attached before SUBSCRIBE: retained messages arrive right after the SUBACK.
      client.on('message', (topic, payload, packet) => {
        if (listening) analyzer.ingest(topic, payload, packet.qos, packet.retain, Date.now());
      });
      ctx.progress?.(`${lres}: subscribe ${settings.topics.join(', ')}`);
      const sub = await subscribe(client, settings.topics, settings.qos, ctx.stepTimeoutMs);
      window.subscriptions = sub.subscriptions;
      window.subscribeError = sub.error;
      if (sub.subscriptions?.every((s) => s.granted !== null && s.granted < 0x80)) {
        const startMs = Date.now();
        window.windowStart = new Date(startMs).toISOString();
        // Connect and subscribe used part of the budget: the window ends before the budget does.
        const leftMs = budgetMs - BUDGET_MARGIN_MS - (performance.now() - started);
        const windowMs = Math.min(plannedWindowMs, leftMs);
        ctx.progress?.(`${lres}: listening ${Math.round(windowMs / 100) / 10} s`);
        const interrupted = await listenFor(windowMs, client, ctx.signal);
        listening = false;
        const endMs = Date.now();
        window.windowEnd = new Date(endMs).toISOString();
        window.observedWindowMs = endMs - startMs;
        window.interrupted = interrupted;
        window.shortenedMs = Math.max(0, Math.round(plannedWindowMs - windowMs));
      }
    } finally {
      await endQuietly(client);
    }
  }

  const reports: DeviceReport[] = analyzer.devices();
  const totals = analyzer.totals();
  window.totals = totals;
  window.devicesObserved = reports.length;
  const evidence: Evidence[] = [windowEvidence.of(resource, window)];
  if (window.observedWindowMs > 0) evidence.push(devicesSeenEvidence.of(resource, { devices: reports.map((r) => r.device), truncated: totals.untrackedDevices > 0 }));
  for (const r of reports) evidence.push(deviceReportEvidence.of(r.device, r));
  return evidence;
}
