import { STANDARDS, type ControlMeta } from '../types.js';

const { E, C, V } = STANDARDS;

export const controls: ControlMeta[] = [
  {
    id: 'TI-01',
    title: 'Duplicate telemetry messages',
    severity: 'medium',
    rationale:
      'QoS 1 is "at least once": without de-duplication by device and sequence number, retries become double-counted readings downstream. The same sequence number with a different payload is worse (severity high): two readings claim one slot, so one of them is wrong or forged.',
    remediation:
      'De-duplicate on (device id, sequence number) at the ingest relay; in firmware, keep the sequence number of a retried message unchanged and never reuse it for a new reading (persist the counter across resets or add a boot id).',
    verification: 'Rerun `pathaudit run --bundle telemetry-trust`: TI-01 passes when the duplicate share stays at or below telemetry.duplicate_threshold and no sequence number carries two payloads.',
    standards: [`${E} 5.9-1`, `${C} 3.1`],
    effort: 'medium',
  },
  {
    id: 'TI-02',
    title: 'Sequence gaps: telemetry lost on the path',
    severity: 'medium',
    rationale:
      'Missing sequence numbers are readings the device produced that never reached the broker (or the subscriber): silent data loss that makes dashboards and alarms wrong without anyone noticing.',
    remediation:
      'Publish at QoS 1 with a persistent session (clean session false) and an offline queue on the device; size the broker\'s max_queued_messages for the longest expected outage; check uplink quality.',
    verification: 'Rerun telemetry-trust: TI-02 passes when missing / expected stays at or below telemetry.gap_threshold for every device.',
    standards: [`${E} 5.9-1`, `${C} 3.1`],
    effort: 'medium',
  },
  {
    id: 'TI-03',
    title: 'Inventory device silent for the whole window',
    severity: 'high',
    rationale: 'A device in the inventory that sends nothing is either down, disconnected or publishing where nobody listens: the path has lost it and nobody is alerted.',
    remediation: 'Check the device (power, link, certificate expiry, broker ACL for its topic); add a liveness alarm (MQTT last will or a heartbeat) so silence is noticed without an audit.',
    verification: 'Rerun telemetry-trust with a window longer than the publish interval: TI-03 passes when every inventory device publishes at least once.',
    standards: [`${E} 5.10-1`, `${C} 2.11`],
    effort: 'small',
  },
  {
    id: 'TI-04',
    title: 'Device clock skew beyond threshold',
    severity: 'medium',
    rationale:
      'A device whose clock is off stamps its readings at the wrong time: events are misordered across devices, certificate validity checks on the device misjudge, and incident timelines cannot be rebuilt.',
    remediation: 'Synchronise device clocks (SNTP against the gateway, or set the RTC from the gateway at connect); keep the RTC battery-backed.',
    verification: 'Rerun telemetry-trust: TI-04 passes when the median |device time − arrival time| is at or below telemetry.skew_threshold_s.',
    standards: [`${E} 5.9-1`, `${C} 2.11`],
    effort: 'small',
  },
  {
    id: 'TI-05',
    title: 'Out-of-order telemetry delivery',
    severity: 'low',
    rationale: 'Messages arriving after later ones (typically QoS 1 redelivery after a reconnect) break consumers that assume arrival order, such as "last value wins" dashboards.',
    remediation: 'Order by sequence number or device timestamp in consumers; on devices, limit in-flight messages (max_inflight 1) where ordering matters.',
    verification: 'Rerun telemetry-trust: TI-05 passes when no message arrives after a higher sequence number of the same device.',
    standards: [`${E} 5.9-1`, `${C} 3.1`],
    effort: 'small',
  },
  {
    id: 'TI-06',
    title: 'Retained messages on telemetry topics',
    severity: 'low',
    rationale: 'A retained telemetry message is replayed to every new subscriber as if it were current: a stale reading looks live, and a dead device keeps looking alive.',
    remediation: 'Publish telemetry with retain=false; clear existing retained messages by publishing an empty retained payload to each topic.',
    verification: 'Rerun telemetry-trust: TI-06 passes when SUBSCRIBE to the telemetry topics returns no retained message.',
    standards: [`${E} 5.9-1`, `${C} 3.1`],
    effort: 'small',
  },
  {
    id: 'TI-07',
    title: 'Device firmware below the policy minimum',
    severity: 'high',
    rationale:
      'A device reporting a firmware version below telemetry.firmware.minimum runs code the fleet has moved past, usually because a security fix came later: the known weakness is still live on the path. Telemetry is where the device says which build it runs.',
    remediation: 'Update the device to the minimum version or later through the fleet\'s update channel; if it cannot update, find out why (failed download, rollback, no space) and isolate it meanwhile.',
    verification: 'Rerun `pathaudit run --bundle telemetry-trust`: TI-07 passes when every device reports a firmware version at or above telemetry.firmware.minimum (semantic versioning precedence).',
    standards: [`${E} 5.3-2`, `${V} (2)`],
    effort: 'medium',
  },
  {
    id: 'TI-08',
    title: 'Inventory devices report more than one firmware version',
    severity: 'low',
    rationale:
      'A fleet on several firmware versions behaves in several ways: a fix or a vulnerability applies to some devices and not others, and every incident first has to establish which build each device runs. Drift usually means a rollout stalled.',
    remediation: 'Finish the rollout: bring the devices named in the evidence to one version; schedule updates so the fleet converges within a known time.',
    verification: 'Rerun `pathaudit run --bundle telemetry-trust`: TI-08 passes when every inventory device that reports its firmware reports the same version.',
    standards: [`${E} 5.3-2`, `${V} (2)`],
    effort: 'medium',
  },
];
