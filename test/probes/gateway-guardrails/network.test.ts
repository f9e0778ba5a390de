// GG-03 (listening sockets from proc/net/tcp{,6} under the root) and GG-04
// (input base chains from nftables, iptables-persistent or ufw files).
import t from 'tap';
import { parseIptablesSave, parseNftRuleset } from '../../../probes/gateway-guardrails/firewall.js';
import { audit, buildTree, only } from './helpers.js';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const row = (n: number, addr: string, port: number, state: string, uid: number) =>
  `   ${n}: ${addr}:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 ${state} 00000000:00000000 00:00000000 00000000 ${String(uid).padStart(5)}        0 ${17000 + n} 1 0000000000000000 100 0 0 10 0\n`;

t.test('a wildcard listener outside the allowlist yields GG-03 fail on socket 0.0.0.0:<port>', async (t) => {
  const root = buildTree(t, {
    'proc/net/tcp': HEADER + row(0, '00000000', 22, '0A', 0) + row(1, '00000000', 5432, '0A', 112) + row(2, '0100007F', 1883, '0A', 106) + row(3, '0501A8C0', 40000, '01', 1000),
  });
  const { results } = await audit({ root, allowed_listeners: [22] });
  const gg03 = results.filter((r) => r.control === 'GG-03');
  t.equal(gg03.length, 1, 'loopback 1883, allowed 22 and the established connection are not findings');
  t.match(gg03[0], { status: 'fail', resource: 'socket 0.0.0.0:5432', evidence: ['sockets'], detail: /port 5432 listens on every IPv4 address \(0\.0\.0\.0\) as uid 112, not in the allowlist 22/ });
});

t.test('only allowed or loopback listeners yield one GG-03 pass listing them', async (t) => {
  const root = buildTree(t, {
    'proc/net/tcp': HEADER + row(0, '00000000', 8883, '0A', 106) + row(1, '0100007F', 1883, '0A', 106),
    'proc/net/tcp6': HEADER + row(0, '00000000000000000000000001000000', 7878, '0A', 999),
  });
  const { results } = await audit({ root, allowed_listeners: [8883] });
  t.match(only(results, 'GG-03'), { status: 'pass', resource: 'sockets', detail: /1 listener\(s\) beyond loopback, all allowed: 0\.0\.0\.0:8883/ });
});

t.test('no allowlist configured: every non-loopback listener is a GG-03 finding and the detail says why', async (t) => {
  const root = buildTree(t, { 'proc/net/tcp6': HEADER + row(0, '00000000000000000000000000000000', 22, '0A', 0) });
  t.match(only((await audit({ root })).results, 'GG-03'), { status: 'fail', resource: 'socket [::]:22', detail: /every IPv6 address.*no guardrails\.allowed_listeners configured/ });
});

t.test('no socket table under an image root yields GG-03 skipped', async (t) => {
  const root = buildTree(t, { 'etc/hostname': 'gw\n' });
  t.match(only((await audit({ root, allowed_listeners: [22] })).results, 'GG-03'), { status: 'skipped', detail: /no socket table/ });
});

const ENABLED = { 'etc/systemd/system/sysinit.target.wants/nftables.service': { link: '/lib/systemd/system/nftables.service' } };

t.test('an enabled nftables.conf with an inet input chain policy drop yields GG-04 pass', async (t) => {
  const root = buildTree(t, {
    ...ENABLED,
    'etc/nftables.conf': 'flush ruleset\ntable inet filter {\n  chain input { type filter hook input priority 0; policy drop;\n    tcp dport { 22, 8883 } accept\n  }\n}\n',
  });
  t.match(only((await audit({ root })).results, 'GG-04'), { status: 'pass', evidence: ['firewall'], detail: /default-deny for IPv4 and IPv6: inet filter input/ });
});

t.test('an input chain with policy accept yields GG-04 fail naming the chain', async (t) => {
  const root = buildTree(t, {
    ...ENABLED,
    'etc/nftables.conf': 'table inet filter {\n  chain input {\n    type filter hook input priority filter; policy accept;\n    ct state established accept\n  }\n}\n',
  });
  t.match(only((await audit({ root })).results, 'GG-04'), { status: 'fail', detail: /IPv4 and IPv6 input not default-deny; input chains: inet filter input \(\/etc\/nftables\.conf\): policy accept/ });
});

t.test('an ip-only table leaves IPv6 open: GG-04 fail', async (t) => {
  const root = buildTree(t, { ...ENABLED, 'etc/nftables.conf': 'table ip filter {\n chain INPUT {\n  type filter hook input priority 0; policy drop;\n }\n}\n' });
  t.match(only((await audit({ root })).results, 'GG-04'), { status: 'fail', detail: /^IPv6 input not default-deny/ });
});

t.test('a chain ending in an unconditional drop is default-deny too (GG-04 pass)', async (t) => {
  const root = buildTree(t, {
    ...ENABLED,
    'etc/nftables.conf': 'table inet filter {\n chain input {\n  type filter hook input priority 0\n  iif lo accept\n  counter log prefix "drop: " drop\n }\n}\n',
  });
  t.match(only((await audit({ root })).results, 'GG-04'), { status: 'pass', detail: /policy accept, ends with drop/ });
});

t.test('a default-deny nftables.conf that no unit loads at boot yields GG-04 fail', async (t) => {
  const root = buildTree(t, { 'etc/nftables.conf': 'table inet filter { chain input { type filter hook input priority 0; policy drop; } }\n' });
  t.match(only((await audit({ root })).results, 'GG-04'), { status: 'fail', detail: /no input filter chain in effect.*not loaded at boot.*nftables\.service/ });
});

t.test('iptables-persistent rules.v4 and rules.v6 with INPUT DROP yield GG-04 pass; rules.v4 alone fails IPv6', async (t) => {
  const v4 = '*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n';
  const v6 = '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -m comment --comment "default deny" -j REJECT --reject-with icmp6-port-unreachable\nCOMMIT\n';
  const link = { link: '/lib/systemd/system/netfilter-persistent.service' };
  const both = buildTree(t, { 'etc/iptables/rules.v4': v4, 'etc/iptables/rules.v6': v6, 'etc/systemd/system/multi-user.target.wants/netfilter-persistent.service': link });
  t.match(only((await audit({ root: both })).results, 'GG-04'), { status: 'pass', detail: /ip filter INPUT.*policy drop.*ip6 filter INPUT.*ends with drop/ });
  const v4only = buildTree(t, { 'etc/iptables/rules.v4': v4, 'etc/systemd/system/multi-user.target.wants/netfilter-persistent.service': link });
  t.match(only((await audit({ root: v4only })).results, 'GG-04'), { status: 'fail', detail: /^IPv6 input not default-deny/ });
});

t.test('ufw enabled with DEFAULT_INPUT_POLICY DROP passes GG-04; ACCEPT fails', async (t) => {
  const tree = (policy: string) => ({
    'etc/default/ufw': `IPV6=yes\nDEFAULT_INPUT_POLICY="${policy}"\n`,
    'etc/ufw/ufw.conf': 'ENABLED=yes\n',
    'etc/systemd/system/multi-user.target.wants/ufw.service': { link: '/lib/systemd/system/ufw.service' },
  });
  t.equal(only((await audit({ root: buildTree(t, tree('DROP')) })).results, 'GG-04').status, 'pass');
  t.equal(only((await audit({ root: buildTree(t, tree('ACCEPT')) })).results, 'GG-04').status, 'fail');
});

t.test('no firewall configuration under an image root yields GG-04 skipped with the reason', async (t) => {
  const root = buildTree(t, { 'etc/hostname': 'gw\n' });
  t.match(only((await audit({ root })).results, 'GG-04'), { status: 'skipped', evidence: ['firewall'], detail: /no firewall configuration under/ });
});

t.test('nft list ruleset output: sets, maps and comments do not confuse the chain parser', async (t) => {
  const listed = `table inet filter {
\tset allowed {
\t\ttype inet_service
\t\telements = { 22, 8883 }
\t}
\tchain input {
\t\ttype filter hook input priority filter; policy drop;
\t\tct state vmap { invalid : drop, established : accept, related : accept }
\t\ttcp dport @allowed accept comment "path ports"
\t}
\tchain forward {
\t\ttype filter hook forward priority filter; policy accept;
\t}
}
table ip nat {
\tchain postrouting {
\t\ttype nat hook postrouting priority srcnat; policy accept;
\t}
}
`;
  t.same(parseNftRuleset(listed, 'nft list ruleset'), [{ family: 'inet', table: 'filter', chain: 'input', policy: 'drop', endsWithDrop: false, source: 'nft list ruleset' }]);
  t.same(parseIptablesSave('*nat\n:INPUT ACCEPT [0:0]\nCOMMIT\n', 'ip', 'x'), [], 'only the filter table counts');
});
