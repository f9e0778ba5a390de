import { STANDARDS, type ControlMeta } from '../types.js';

const { E, C, R } = STANDARDS;

const rerun = (control: string, pass: string) => `Rerun \`pathaudit run --check gateway-guardrails\`: ${control} passes when ${pass}.`;

export const controls: ControlMeta[] = [
  {
    id: 'GG-01',
    title: 'SSH password authentication enabled',
    severity: 'high',
    rationale:
      'A gateway that accepts SSH passwords can be brute-forced from anywhere that reaches port 22, and field gateways often keep the image\'s default password. Keyboard-interactive authentication through PAM asks for the same password, and a Match block can re-enable passwords for some users or addresses.',
    remediation:
      'Set `PasswordAuthentication no` and `KbdInteractiveAuthentication no` in a drop-in such as /etc/ssh/sshd_config.d/10-hardening.conf (sshd keeps the first value it reads, so the drop-in must come before any file that says yes), remove `PasswordAuthentication yes` from every Match block, install operators\' public keys, then `systemctl reload ssh`.',
    verification: rerun('GG-01', 'the effective settings and every Match block refuse passwords (`sshd -T | grep -i authentication` on the gateway)'),
    standards: [`${E} 5.1-1`, `${C} 1.1`, `${R} (d)`],
    effort: 'small',
  },
  {
    id: 'GG-02',
    title: 'SSH root login permitted',
    severity: 'high',
    rationale:
      'Root over SSH skips the per-operator account that ties actions to a person, and with passwords it is the first account every scanner tries. Key-only root login (prohibit-password) is reported at low severity: still no personal accountability.',
    remediation: 'Set `PermitRootLogin no` in /etc/ssh/sshd_config.d/10-hardening.conf and in no Match block say otherwise; operators log in as themselves and use sudo. Then `systemctl reload ssh`.',
    verification: rerun('GG-02', 'PermitRootLogin is `no` globally and no Match block re-enables it'),
    standards: [`${E} 5.1-1`, `${C} 1.1`, `${R} (d)`],
    effort: 'small',
  },
  {
    id: 'GG-03',
    title: 'Listening socket on a non-loopback address not in the allowlist',
    severity: 'high',
    rationale:
      'Every socket bound beyond loopback is attack surface reachable from the field network; a forgotten plaintext broker port, debug server or database is the usual way in. The allowlist in guardrails.allowed_listeners is the path\'s declared exposure.',
    remediation:
      'Bind the service to 127.0.0.1 (Mosquitto: `listener 1883 127.0.0.1`), disable it (`systemctl disable --now <unit>`), or, if the exposure is intended, add the port to guardrails.allowed_listeners and make sure it speaks TLS with authentication.',
    verification: rerun('GG-03', 'no listener outside the allowlist is bound beyond loopback (`ss -tlnp` on the gateway agrees)'),
    standards: [`${E} 5.6-1`, `${C} 7.7`, `${R} (j)`],
    effort: 'small',
  },
  {
    id: 'GG-04',
    title: 'No default-deny firewall on input',
    severity: 'high',
    rationale:
      'Without a default-deny input policy, any service that starts listening (a package update, a debug tool) is immediately reachable; the firewall is what keeps GG-03 true tomorrow. Both IPv4 and IPv6 need it, and a ruleset file only counts if a unit loads it at boot.',
    remediation:
      'In /etc/nftables.conf give the `inet filter` input chain `policy drop;`, accept `ct state established,related`, `iif lo` and only the allowed ports, then `systemctl enable --now nftables`. (iptables-persistent or ufw with DEFAULT_INPUT_POLICY="DROP" also pass.)',
    verification: rerun('GG-04', 'every input base chain for IPv4 and IPv6 drops by default (`nft list ruleset` shows `policy drop`)'),
    standards: [`${E} 5.6-1`, `${C} 5.1`, `${C} 7.7`, `${R} (j)`],
    effort: 'medium',
  },
  {
    id: 'GG-05',
    title: 'Broker or relay process runs as root',
    severity: 'medium',
    rationale:
      'The broker and the ingest relay parse untrusted input from devices; run as root, one parser bug hands over the whole gateway, its keys and its firewall.',
    remediation:
      'Run the broker as its own user (Mosquitto: `user mosquitto`, the Debian default) and the relay under a dedicated account (systemd `User=`/`DynamicUser=yes`, with `AmbientCapabilities=CAP_NET_BIND_SERVICE` if it binds a port below 1024).',
    verification: rerun('GG-05', 'every matched broker and relay process has a non-zero effective uid'),
    standards: [`${E} 5.6-7`, `${C} 2.1`, `${R} (j)`],
    effort: 'small',
  },
  {
    id: 'GG-06',
    title: 'Automatic security updates off, or security updates pending',
    severity: 'high',
    rationale:
      'Gateways in the field are rarely patched by hand; without unattended security upgrades, published vulnerabilities stay open for the device\'s lifetime. Pending security updates mean the mechanism is not working now.',
    remediation:
      'apt install unattended-upgrades; in /etc/apt/apt.conf.d/20auto-upgrades set `APT::Periodic::Update-Package-Lists "1";` and `APT::Periodic::Unattended-Upgrade "1";`; keep the `label=Debian-Security` origin in 50unattended-upgrades; install what is pending now (`apt-get upgrade`).',
    verification: rerun('GG-06', 'unattended-upgrades is installed and enabled for a security origin and `apt-get -s upgrade` lists no security update'),
    standards: [`${E} 5.3-2`, `${E} 5.3-8`, `${R} (c)`],
    effort: 'small',
  },
  {
    id: 'GG-07',
    title: 'Clock not synchronised',
    severity: 'medium',
    rationale:
      'A gateway with a wrong clock rejects valid certificates or accepts expired ones, stamps telemetry with the wrong time and makes its own evidence and logs unreliable. The Raspberry Pi has no battery-backed clock by default.',
    remediation: 'Enable time synchronisation (`timedatectl set-ntp true` for systemd-timesyncd, or chrony) with a reachable NTP server, then wait for NTPSynchronized=yes.',
    verification: rerun('GG-07', '`timedatectl show` reports NTPSynchronized=yes (or chronyc tracking a normal leap status)'),
    standards: [`${C} 2.11`, `${E} 5.9-1`],
    effort: 'small',
  },
  {
    id: 'GG-08',
    title: 'Disk free below threshold',
    severity: 'medium',
    rationale:
      'A full SD card stops the broker persisting sessions, the relay buffering telemetry and journald logging; ext4 can corrupt on power loss while full. Telemetry is lost silently.',
    remediation: 'Free space (journalctl --vacuum-size, apt-get clean, rotate broker persistence), cap logs in /etc/systemd/journald.conf (SystemMaxUse=), or move data to a larger volume.',
    verification: rerun('GG-08', 'free space on every configured mount is at or above its min_free_percent'),
    standards: [`${E} 5.9-1`, `${C} 7.2`],
    effort: 'small',
  },
  {
    id: 'GG-09',
    title: 'Thermal throttling or under-voltage seen',
    severity: 'medium',
    rationale:
      'A throttled or under-powered Raspberry Pi drops packets, stalls TLS handshakes and corrupts SD cards; the firmware records it since boot. It explains telemetry gaps better than any software finding.',
    remediation:
      'Use the official power supply (5 V 5 A for a Pi 5, 5.1 V 3 A for a Pi 4) and short cables; add a heatsink or active cooler and ventilate the enclosure; then reboot to clear the sticky bits.',
    verification: rerun('GG-09', '`vcgencmd get_throttled` reports 0x0 after a reboot under normal load and no thermal zone is at its passive trip point'),
    standards: [`${E} 5.9-1`, `${C} 7.2`],
    effort: 'medium',
  },
  {
    id: 'GG-10',
    title: 'Secret or key file readable by more than its service account',
    severity: 'high',
    rationale:
      'Passwords, tokens and private keys readable by other accounts let any compromised service (or a curious operator) impersonate the broker, the relay or the agent.',
    remediation:
      'Let root and the one service account that uses the file read it, no one else: `chown SERVICE: FILE && chmod 600 FILE`, or `chown root:GROUP FILE && chmod 640 FILE` where GROUP holds only that account (scripts/install.sh does this for the API token: root:pathaudit 0640, group pathaudit holding only the pathaudit user). Keep secret folders closed to other (0750 root:GROUP, or 0700). The broker key named as broker.key_file is judged by BC-09.',
    verification: rerun('GG-10', 'every configured secret file is readable by root and at most one other account: no other-read bit, and a group-read bit only for a group with a single member'),
    standards: [`${E} 5.4-1`, `${C} 1.5`, `${R} (d)`],
    effort: 'small',
  },
];
