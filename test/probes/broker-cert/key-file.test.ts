// BC-09 judges the broker key against the user that must read it. Judgement
// is pure (the key's mode and owner, the accounts and the broker processes are
// evidence); one real run shows collect reads them under guardrails.root.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { evaluateBrokerCert, keyFileFixes } from '../../../probes/broker-cert/evaluate.js';
import type { AccountFacts } from '../../../probes/accounts.js';
import type { ProcessFacts } from '../../../probes/processes.js';
import type { ControlResult, Evidence } from '../../../probes/types.js';
import type { PathauditConfig } from '../../../config/schema/index.js';
import { load, resultOf, runChecks, tempDir } from '../../helpers/lab.js';

const KEY = '/etc/mosquitto/certs/server.key';
const ACCOUNTS: AccountFacts = {
  users: [
    { name: 'root', uid: 0, gid: 0 },
    { name: 'mosquitto', uid: 102, gid: 105 },
    { name: 'pi', uid: 1000, gid: 1000 },
  ],
  groups: [
    { name: 'root', gid: 0, members: [] },
    { name: 'mosquitto', gid: 105, members: [] },
    { name: 'ssl-cert', gid: 109, members: ['mosquitto', 'pi'] },
    { name: 'pi', gid: 1000, members: [] },
  ],
};

interface Case {
  mode: string;
  uid: number;
  gid: number;
  user?: string;
  accounts?: AccountFacts | null;
  processes?: ProcessFacts['processes'];
}

function bc09(c: Case): ControlResult {
  const config: PathauditConfig = { broker: { host: '127.0.0.1', listeners: [{ name: 'mqtt', port: 1883, tls: false }], key_file: KEY, ...(c.user ? { user: c.user } : {}) } };
  const m = Number.parseInt(c.mode, 8);
  const evidence: Evidence[] = [
    { key: `key-file ${KEY}`, kind: 'file-mode', resource: `key-file ${KEY}`, data: { file: KEY, mode: c.mode, uid: c.uid, gid: c.gid, groupReadable: Boolean(m & 0o040), otherReadable: Boolean(m & 0o004) } },
    { key: 'accounts', kind: 'local-accounts', resource: `key-file ${KEY}`, data: c.accounts === null ? { state: 'absent', reason: 'no /etc/group under /img' } : { state: 'observed', ...(c.accounts ?? ACCOUNTS) } },
  ];
  if (!c.user) evidence.push({ key: 'broker-processes', kind: 'process-owners', resource: `key-file ${KEY}`, data: { state: 'observed', source: '/proc/<pid>/status', wanted: { broker: ['mosquitto'], relay: [] }, processes: c.processes ?? [] } });
  return evaluateBrokerCert({ config, evidence, runEvidence: evidence, now: new Date() }).find((r) => r.control === 'BC-09')!;
}

const OWNER_FIX = `chown mosquitto: ${KEY} && chmod 600 ${KEY}`;
const GROUP_FIX = `chown root:mosquitto ${KEY} && chmod 640 ${KEY}`;

t.test('the working setups pass: root:mosquitto 0640 (group holds only mosquitto) and mosquitto 0600', async (t) => {
  t.match(bc09({ mode: '0640', uid: 0, gid: 105 }), { status: 'pass', detail: /owner root \(uid 0\), group mosquitto \(gid 105\); broker user mosquitto .*: readable by mosquitto only/ });
  t.match(bc09({ mode: '0600', uid: 102, gid: 105 }), { status: 'pass' });
  t.match(bc09({ mode: '0600', uid: 0, gid: 0, user: 'root' }), { status: 'pass', detail: /readable by root only/ }, 'a broker running as root reads a root-only key');
});

t.test('root:root 0600 is a warning: Mosquitto drops to its user before it loads the key and would not start', async (t) => {
  const r = bc09({ mode: '0600', uid: 0, gid: 0 });
  t.match(r, { status: 'warn', severity: 'medium', detail: /mosquitto cannot read it — Mosquitto loads its key after dropping privileges/ });
  t.ok(r.remediation!.includes(OWNER_FIX) && r.remediation!.includes(GROUP_FIX), r.remediation ?? 'no remediation');
});

t.test('readable beyond the broker user fails, and the remediation names the working commands for this key and user', async (t) => {
  const open = bc09({ mode: '0644', uid: 0, gid: 0 });
  t.match(open, { status: 'fail', detail: /readable by every local account/ });
  t.ok(open.remediation!.includes(`\`${OWNER_FIX}\``), 'chown mosquitto: … && chmod 600 …');
  t.ok(open.remediation!.includes(`\`${GROUP_FIX}\``), 'or chown root:mosquitto … && chmod 640 … (group mosquitto holds only mosquitto)');
  t.match(open.remediation!, /Not root:root 0600/);
  t.match(bc09({ mode: '0640', uid: 0, gid: 109 }), { status: 'fail', detail: /readable by pi, not only the broker user/ }, 'a group shared with pi');
  t.match(bc09({ mode: '0600', uid: 1000, gid: 1000 }), { status: 'fail', detail: /readable by pi/ }, 'owned by another account');
  t.match(bc09({ mode: '0640', uid: 0, gid: 105, accounts: null }), { status: 'fail', detail: /whose members could not be read/ }, 'unknown members count as exposure');
  const shared: AccountFacts = { ...ACCOUNTS, groups: ACCOUNTS.groups.map((g) => (g.name === 'mosquitto' ? { ...g, members: ['pi'] } : g)) };
  t.same(keyFileFixes(KEY, 'mosquitto', shared), [OWNER_FIX], 'no group command when mosquitto\'s group has another member');
  t.same(keyFileFixes('/etc/my certs/k.key', 'mosquitto', ACCOUNTS)[0], "chown mosquitto: '/etc/my certs/k.key' && chmod 600 '/etc/my certs/k.key'", 'paths are quoted for the shell');
});

t.test('broker.user defaults to the owner of the running broker process, else mosquitto', async (t) => {
  const proc = (user: string, euid: number, pid: number) => ({ pid, name: 'mosquitto', role: 'broker' as const, uid: 0, euid, user });
  t.match(bc09({ mode: '0600', uid: 1000, gid: 1000, processes: [proc('pi', 1000, 40)] }), { status: 'pass', detail: /broker user pi \(the owner of the running mosquitto process \(pid 40\)\)/ });
  t.match(bc09({ mode: '0600', uid: 0, gid: 0, processes: [proc('root', 0, 41)] }), { status: 'pass', detail: /broker user root/ });
  t.match(bc09({ mode: '0640', uid: 0, gid: 105, processes: [] }), { status: 'pass', detail: /broker user mosquitto \(default: no broker process running/ });
  t.match(bc09({ mode: '0640', uid: 0, gid: 105, processes: [proc('root', 0, 41), proc('mosquitto', 102, 42)] }), { detail: /broker user mosquitto \(default: the broker processes run as root and mosquitto; set broker\.user/ });
  t.match(bc09({ mode: '0600', uid: 1000, gid: 1000, user: 'pi', processes: [proc('root', 0, 41)] }), { status: 'pass', detail: /broker user pi \(broker\.user\)/ }, 'broker.user wins');
});

t.test('collect reads the key\'s owner and the accounts under guardrails.root; the finding carries the remediation for this file', async (t) => {
  const dir = tempDir(t);
  const key = join(dir, 'server.key');
  writeFileSync(key, 'not a real key\n', { mode: 0o644 });
  // This process owns the key: the image's accounts name its uid and gid `mosquitto`, so no chown is needed.
  const root = join(dir, 'img');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc', 'passwd'), `mosquitto:x:${process.getuid!()}:${process.getgid!()}::/var/lib/mosquitto:/usr/sbin/nologin\n`);
  writeFileSync(join(root, 'etc', 'group'), `mosquitto:x:${process.getgid!()}:\n`);
  const file = join(dir, 'pathaudit.yaml');
  writeFileSync(file, stringify({ broker: { host: '127.0.0.1', listeners: [{ name: 'mqtt', port: 1883, tls: false }], key_file: key, user: 'mosquitto' }, guardrails: { root } }));
  const doc = await runChecks(load(file), ['broker-cert']);
  const r = resultOf(doc, 'BC-09');
  t.match(r, { status: 'fail', detail: /mode 0644, owner mosquitto \(uid \d+\), group mosquitto \(gid \d+\); broker user mosquitto \(broker\.user\): readable by every local account/ });
  t.same(r.evidence.sort(), ['broker-cert:accounts', `broker-cert:key-file ${key}`].sort());
  const finding = doc.findings.find((f) => f.control === 'BC-09')!;
  t.ok(finding.remediation.includes(`chown mosquitto: ${key} && chmod 600 ${key}`), finding.remediation);
  t.ok(finding.remediation.includes(`chown root:mosquitto ${key} && chmod 640 ${key}`), finding.remediation);
  t.notOk(JSON.stringify(doc).includes('not a real key'), 'the key\'s bytes are never read');
});
