// GG-06 (unattended-upgrades), GG-07 (clock), GG-09 (Pi power, thermal zones)
// and GG-10 (secret file modes) on temp trees; GG-06 pending updates and GG-07
// through the same parsers the live collectors feed, on real command output.
import t from 'tap';
import { collectGuardrails } from '../../../probes/gateway-guardrails/collect.js';
import { evaluateGatewayGuardrails } from '../../../probes/gateway-guardrails/evaluate.js';
import { systemView } from '../../../probes/system.js';
import { parseChronycTracking, parseTimedatectlShow, type ClockEvidence } from '../../../probes/gateway-guardrails/clock.js';
import { decodeThrottled, parseThrottled } from '../../../probes/gateway-guardrails/thermal.js';
import { parseAptConf, parseAptSimulation, type AptEvidence } from '../../../probes/gateway-guardrails/updates.js';
import type { Evidence } from '../../../probes/types.js';
import { audit, buildTree, only } from './helpers.js';

const AUTO = (upgrade: string) => `APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "${upgrade}";\n`;
const ORIGINS = 'Unattended-Upgrade::Origins-Pattern {\n  "origin=Debian,codename=${distro_codename},label=Debian-Security"; // security\n};\n';
const DPKG = (status: string) => `Package: unattended-upgrades\nStatus: ${status}\nVersion: 2.9.1+nmu3\n`;

t.test('unattended-upgrades installed and enabled for Debian-Security yields GG-06 pass, configuration only on an image', async (t) => {
  const root = buildTree(t, {
    'etc/apt/apt.conf.d/20auto-upgrades': AUTO('1'),
    'etc/apt/apt.conf.d/50unattended-upgrades': ORIGINS,
    'var/lib/dpkg/status': DPKG('install ok installed'),
  });
  t.match(only((await audit({ root })).results, 'GG-06'), { status: 'pass', resource: 'apt', evidence: ['apt'], detail: /label=Debian-Security; pending updates not checked/ });
});

t.test('a later apt.conf.d file turning Unattended-Upgrade off yields GG-06 fail (later files override)', async (t) => {
  const root = buildTree(t, {
    'etc/apt/apt.conf.d/20auto-upgrades': AUTO('1'),
    'etc/apt/apt.conf.d/50unattended-upgrades': ORIGINS,
    'etc/apt/apt.conf.d/99-vendor': 'APT { Periodic { Unattended-Upgrade "0"; }; };\n',
    'etc/apt/apt.conf.d/99-vendor.dpkg-old': 'APT::Periodic::Unattended-Upgrade "1";\n',
    'var/lib/dpkg/status': DPKG('install ok installed'),
  });
  t.match(only((await audit({ root })).results, 'GG-06'), { status: 'fail', detail: /^APT::Periodic::Unattended-Upgrade is "0" \(\/etc\/apt\/apt\.conf\.d\/99-vendor\)$/ });
});

t.test('no apt under the root yields GG-06 skipped', async (t) => {
  const root = buildTree(t, { 'etc/hostname': 'gw\n' });
  t.match(only((await audit({ root })).results, 'GG-06'), { status: 'skipped', detail: /not an apt-based system/ });
});

t.test('apt.conf syntax: nested scopes, lists, comments and URLs inside strings', async (t) => {
  const conf = new Map();
  parseAptConf('/* block */ Unattended-Upgrade::Allowed-Origins {\n "http://deb.debian.org//x"; # hash\n};\nAPT::Periodic::Verbose "2"; // c\n', 'f', conf);
  t.same(conf.get('unattended-upgrade::allowed-origins'), [{ value: 'http://deb.debian.org//x', origin: 'f' }]);
  t.same(conf.get('apt::periodic::verbose'), [{ value: '2', origin: 'f' }]);
});

// Real `apt-get -s upgrade` lines from a Debian 12 host.
const SIMULATION = `NOTE: This is only a simulation!
Reading package lists...
The following packages will be upgraded:
  unzip zip
Inst python3-xmltodict [0.13.0-1] (0.13.0-1.1~deb12u1 Debian:12.15/oldstable [all])
Inst unzip [6.0-28] (6.0-28+deb12u1 Debian-Security:12/oldstable-security [amd64])
Inst python3-jwt [2.6.0-1] (2.6.0-1+deb12u1 Debian:12.15/oldstable, Debian-Security:12/oldstable-security [all])
Conf unzip (6.0-28+deb12u1 Debian-Security:12/oldstable-security [amd64])
`;

function aptEvidence(pendingText: string): Evidence<AptEvidence> {
  const { total, security } = parseAptSimulation(pendingText);
  return {
    key: 'apt',
    kind: 'apt-updates',
    resource: 'apt',
    data: {
      state: 'observed',
      files: ['/etc/apt/apt.conf.d/20auto-upgrades'],
      updateLists: { value: '1', origin: '/etc/apt/apt.conf.d/20auto-upgrades' },
      unattendedUpgrade: { value: '1', origin: '/etc/apt/apt.conf.d/20auto-upgrades' },
      securityOrigins: ['origin=Debian,label=Debian-Security'],
      installed: true,
      pending: { checked: true, command: 'apt-get -s upgrade', total, security, listsUpdatedAt: '2026-11-25T06:00:00.000Z' },
    },
  };
}

const judge = (ev: Evidence) => evaluateGatewayGuardrails({ config: { guardrails: {} }, evidence: [ev], runEvidence: [ev], now: new Date('2026-11-26T12:00:00Z') });

t.test('pending security updates in apt-get -s output yield GG-06 fail listing them; none yields pass', async (t) => {
  t.same(parseAptSimulation(SIMULATION).security.map((u) => u.package), ['unzip', 'python3-jwt']);
  t.match(only(judge(aptEvidence(SIMULATION)), 'GG-06'), { status: 'fail', detail: /^2 security update\(s\) pending \(unzip 6\.0-28\+deb12u1, python3-jwt 2\.6\.0-1\+deb12u1; package lists 1 day\(s\) old\)$/ });
  const clean = SIMULATION.split('\n').filter((l) => !/security/.test(l)).join('\n');
  t.match(only(judge(aptEvidence(clean)), 'GG-06'), { status: 'pass', detail: /no security update pending of 1 upgradable/ });
});

t.test('apt-get timing out on the live root yields GG-06 error, not a pass on the configuration alone', async (t) => {
  const ev = aptEvidence('');
  (ev.data as { pending: unknown }).pending = { checked: false, attempted: true, reason: '`apt-get -s upgrade` gave no answer within the timeout (7501 ms)' };
  t.match(only(judge(ev), 'GG-06'), { status: 'error', evidence: ['apt'], detail: /could not be counted: `apt-get -s upgrade` gave no answer/ });
});

function clockEvidence(method: 'timedatectl' | 'chronyc', text: string): Evidence<ClockEvidence> {
  const p = method === 'timedatectl' ? parseTimedatectlShow(text) : parseChronycTracking(text);
  return { key: 'clock', kind: 'clock-sync', resource: 'clock', data: { state: 'observed', method, synchronized: p.synchronized!, service: null, observed: p.lines } };
}

t.test('timedatectl NTPSynchronized=no yields GG-07 fail; yes yields pass', async (t) => {
  const show = (sync: string) => `Timezone=Europe/Berlin\nLocalRTC=no\nCanNTP=yes\nNTP=yes\nNTPSynchronized=${sync}\nTimeUSec=Thu 2026-11-26 12:00:00 CET\n`;
  t.match(only(judge(clockEvidence('timedatectl', show('no'))), 'GG-07'), { status: 'fail', detail: /NTPSynchronized=no/ });
  t.match(only(judge(clockEvidence('timedatectl', show('yes'))), 'GG-07'), { status: 'pass', detail: /NTPSynchronized=yes/ });
});

t.test('chronyc tracking "Not synchronised" yields GG-07 fail; Normal yields pass', async (t) => {
  const tracking = (leap: string, ref: string) => `Reference ID    : ${ref}\nStratum         : 3\nSystem time     : 0.000012 seconds fast of NTP time\nLeap status     : ${leap}\n`;
  t.match(only(judge(clockEvidence('chronyc', tracking('Not synchronised', '00000000 ()'))), 'GG-07'), { status: 'fail', detail: /Leap status\s*: Not synchronised/ });
  t.equal(only(judge(clockEvidence('chronyc', tracking('Normal', 'C0A80101 (192.168.1.1)'))), 'GG-07').status, 'pass');
});

t.test('clock state is never read from an image root: GG-07 skipped', async (t) => {
  const root = buildTree(t, { 'etc/hostname': 'gw\n' });
  t.match(only((await audit({ root })).results, 'GG-07'), { status: 'skipped', detail: /needs the live system/ });
});

const FIRMWARE = 'sys/devices/platform/soc/soc:firmware/get_throttled';

t.test('firmware get_throttled 50005 yields GG-09 fail on power naming under-voltage; 0 yields pass', async (t) => {
  const bad = buildTree(t, { [FIRMWARE]: '50005\n' });
  t.match(only((await audit({ root: bad })).results, 'GG-09', 'power'), { status: 'fail', evidence: ['power'], detail: /throttled=0x50005: under-voltage detected now, throttled now, under-voltage has occurred since boot, throttling has occurred since boot/ });
  const pi5 = buildTree(t, { 'sys/devices/platform/soc@107c000000/soc@107c000000:firmware/get_throttled': '0\n' });
  t.match(only((await audit({ root: pi5 })).results, 'GG-09', 'power'), { status: 'pass', detail: /throttled=0x0/ });
  t.same(decodeThrottled(parseThrottled('throttled=0x80000')!), ['soft temperature limit has occurred since boot']);
});

t.test('a thermal zone at its passive trip point yields GG-09 fail on thermal; below it, pass', async (t) => {
  const zone = (temp: number) => ({
    'sys/class/thermal/thermal_zone0/type': 'cpu-thermal\n',
    'sys/class/thermal/thermal_zone0/temp': `${temp}\n`,
    'sys/class/thermal/thermal_zone0/trip_point_0_type': 'passive\n',
    'sys/class/thermal/thermal_zone0/trip_point_0_temp': '85000\n',
    'sys/class/thermal/thermal_zone0/trip_point_1_type': 'critical\n',
    'sys/class/thermal/thermal_zone0/trip_point_1_temp': '110000\n',
  });
  t.match(only((await audit({ root: buildTree(t, zone(86200)) })).results, 'GG-09', 'thermal'), { status: 'fail', detail: /thermal_zone0 \(cpu-thermal\) 86\.2 °C \/ passive trip 85 °C/ });
  t.match(only((await audit({ root: buildTree(t, zone(51000)) })).results, 'GG-09', 'thermal'), { status: 'pass', detail: /51 °C/ });
});

t.test('a secret file with mode 0640 and no way to tell its group yields GG-10 fail; 0600 pass; a missing one is skipped', async (t) => {
  const root = buildTree(t, {
    'etc/gw/ingest-token': { text: 'x', mode: 0o640 },
    'etc/gw/api-token': { text: 'x', mode: 0o600 },
  });
  const { results, evidence } = await audit({ root, secret_files: ['/etc/gw/ingest-token', '/etc/gw/api-token', '/etc/gw/absent'] });
  t.match(only(results, 'GG-10', 'file /etc/gw/ingest-token'), { status: 'fail', detail: /mode 0640.*readable by its group, whose members could not be read \(no \/etc\/passwd under/ });
  t.match(only(results, 'GG-10', 'file /etc/gw/api-token'), { status: 'pass', detail: /mode 0600/ });
  t.match(only(results, 'GG-10', 'file /etc/gw/absent'), { status: 'skipped', detail: /does not exist under/ });
  t.notMatch(JSON.stringify(evidence), /"x"/, 'contents are never read into evidence');
});

/**
 * /etc/passwd and /etc/group for a tree, with `service` holding this process's
 * uid and gid (so the files the test writes are "owned" by it, root or not,
 * without chown) and `pi` another account.
 */
function accountsTree(service: string, extraMembers: string[] = []) {
  const uid = process.getuid!();
  const gid = process.getgid!();
  const other = uid === 1000 ? 1001 : 1000;
  return {
    'etc/passwd': `${service}:x:${uid}:${gid}::/nonexistent:/usr/sbin/nologin\npi:x:${other}:${other}::/home/pi:/bin/bash\n`,
    'etc/group': `${service}:x:${gid}:${extraMembers.join(',')}\npi:x:${other}:\n`,
  };
}

t.test('GG-10 and the installer agree: 0640 with a group whose only member is the service passes; a group with a second member fails', async (t) => {
  const solo = buildTree(t, { ...accountsTree('pathaudit'), 'etc/pathaudit/secrets/api-token': { text: 'x', mode: 0o640 } });
  const r = only((await audit({ root: solo, secret_files: ['/etc/pathaudit/secrets/api-token'] })).results, 'GG-10');
  t.match(r, { status: 'pass', detail: /mode 0640, owner pathaudit \(uid \d+\), group pathaudit \(gid \d+\): readable by pathaudit \(the only member of group pathaudit/ });
  t.same(r.evidence, ['file /etc/pathaudit/secrets/api-token', 'accounts'], 'cites the mode and the accounts it was judged against');

  const shared = buildTree(t, { ...accountsTree('pathaudit', ['pi']), 'etc/pathaudit/secrets/api-token': { text: 'x', mode: 0o640 } });
  const s = only((await audit({ root: shared, secret_files: ['/etc/pathaudit/secrets/api-token'] })).results, 'GG-10');
  t.match(s, { status: 'fail', detail: /readable by pathaudit, pi — more than the one service account that uses it/ });
});

t.test('the broker key listed in secret_files is BC-09\'s: GG-10 skips it with the reason, one file, one finding', async (t) => {
  const root = buildTree(t, { 'etc/mosquitto/certs/server.key': { text: 'x', mode: 0o644 }, 'etc/gw/token': { text: 'x', mode: 0o644 } });
  const config = { guardrails: { root, secret_files: ['/etc/mosquitto/certs/server.key', '/etc/gw/token'] }, broker: { host: '127.0.0.1', listeners: [{ name: 'mqtt', port: 1883, tls: false }], key_file: '/etc/mosquitto/certs/server.key' } };
  const view = systemView(root, new AbortController().signal, 3000);
  const evidence = await collectGuardrails(view, config);
  const results = evaluateGatewayGuardrails({ config, evidence, runEvidence: evidence, now: new Date() });
  t.match(only(results, 'GG-10', 'file /etc/mosquitto/certs/server.key'), { status: 'skipped', detail: /judged by BC-09 \(key-file \/etc\/mosquitto\/certs\/server\.key\)/ });
  t.match(only(results, 'GG-10', 'file /etc/gw/token'), { status: 'fail' }, 'the other secret is still GG-10\'s');
});

t.test('a secret file reached through an absolute symlink is judged inside the image, not on this machine', async (t) => {
  const root = buildTree(t, {
    'etc/gw/broker-password': { link: '/srv/secrets/broker-password' },
    'srv/secrets/broker-password': { text: 'x', mode: 0o644 },
  });
  t.match(only((await audit({ root, secret_files: ['/etc/gw/broker-password'] })).results, 'GG-10'), { status: 'fail', detail: /mode 0644/ });
});

t.test('no secret_files configured yields GG-10 skipped', async (t) => {
  const root = buildTree(t, { 'etc/hostname': 'gw\n' });
  t.match(only((await audit({ root })).results, 'GG-10'), { status: 'skipped', resource: 'files', detail: /no guardrails\.secret_files configured/ });
});
