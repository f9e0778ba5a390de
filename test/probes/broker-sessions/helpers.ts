// Helpers for the broker-sessions tests: a config around a log file, the
// check run through its own collect and evaluate, and Mosquitto lines stamped
// relative to now (the check's window ends at the time it runs).
import type { PathauditConfig } from '../../../config/schema/index.js';
import { standaloneContext } from '../../../agent/runner/standalone.js';
import { code as brokerSessions } from '../../../probes/broker-sessions/index.js';
import type { ControlResult, Evidence, RunWindow } from '../../../probes/types.js';

export type Broker = NonNullable<PathauditConfig['broker']>;

export function sessionsConfig(logFile: string, broker: Partial<Broker> = {}, inventory: Array<{ id: string; client_id?: string }> = []): PathauditConfig {
  return {
    broker: { host: '127.0.0.1', listeners: [{ name: 'mqtts', port: 8883, tls: true }], log_file: logFile, ...broker },
    devices: { inventory },
  };
}

export async function audit(config: PathauditConfig, runWindows: RunWindow[] = []): Promise<{ results: ControlResult[]; evidence: Evidence[] }> {
  const evidence = await brokerSessions.collect(standaloneContext(config, { runWindows }));
  return { evidence, results: brokerSessions.evaluate({ config, evidence, runEvidence: evidence, now: new Date() }) };
}

/** `secondsAgo: message` as Mosquitto writes it with epoch timestamps. */
export const at = (secondsAgo: number, message: string) => `${Math.floor(Date.now() / 1000) - secondsAgo}: ${message}`;

export function only(results: ControlResult[], control: string, resource: string): ControlResult {
  const r = results.filter((x) => x.control === control && x.resource === resource);
  if (r.length !== 1) throw new Error(`expected one ${control} result on ${resource}, got: ${results.filter((x) => x.control === control).map((x) => `${x.resource} ${x.status}`).join('; ')}`);
  return r[0] as ControlResult;
}
