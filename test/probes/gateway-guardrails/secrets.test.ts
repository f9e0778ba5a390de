// GG-10 judged from file facts and accounts as evidence (evaluate is pure):
// a secret is readable by root and at most one other account. The installer,
// the README and the example config say the same — read from their text here,
// so they cannot drift apart from the rule.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { evaluateGatewayGuardrails } from '../../../probes/gateway-guardrails/evaluate.js';
import type { AccountFacts } from '../../../probes/accounts.js';
import type { Evidence } from '../../../probes/types.js';
import type { PathauditConfig } from '../../../config/schema/index.js';

const ACCOUNTS: AccountFacts = {
  users: [
    { name: 'root', uid: 0, gid: 0 },
    { name: 'pathaudit', uid: 998, gid: 998 },
    { name: 'mosquitto', uid: 102, gid: 105 },
    { name: 'pi', uid: 1000, gid: 1000 },
  ],
  groups: [
    { name: 'root', gid: 0, members: [] },
    { name: 'pathaudit', gid: 998, members: [] },
    { name: 'mosquitto', gid: 105, members: [] },
    { name: 'ssl-cert', gid: 109, members: ['mosquitto', 'pi'] },
    { name: 'pi', gid: 1000, members: [] },
  ],
};

function gg10(file: { mode: string; uid: number; gid: number }, accounts: AccountFacts | null = ACCOUNTS, config: PathauditConfig = {}) {
  const path = '/etc/pathaudit/secrets/api-token';
  const evidence: Evidence[] = [
    { key: `file ${path}`, kind: 'file-mode', resource: `file ${path}`, data: { state: 'observed', path, parentMode: '0750', ...file } },
    { key: 'accounts', kind: 'local-accounts', resource: 'accounts', data: accounts ? { state: 'observed', ...accounts } : { state: 'absent', reason: 'no /etc/group under /img' } },
  ];
  const cfg = { ...config, guardrails: { root: '/img', secret_files: [path] } };
  return evaluateGatewayGuardrails({ config: cfg, evidence, runEvidence: evidence, now: new Date() }).find((r) => r.control === 'GG-10')!;
}

t.test('GG-10: root plus one service account may read a secret; a second account or everyone may not', async (t) => {
  t.match(gg10({ mode: '0640', uid: 0, gid: 998 }), { status: 'pass', detail: /readable by pathaudit \(the only member of group pathaudit/ }, 'root:pathaudit 0640 (the installer\'s API token)');
  t.match(gg10({ mode: '0600', uid: 998, gid: 998 }), { status: 'pass', detail: /readable by pathaudit only/ }, 'pathaudit 0600');
  t.match(gg10({ mode: '0600', uid: 0, gid: 0 }), { status: 'pass', detail: /readable by root only$/ }, 'root 0600');
  t.match(gg10({ mode: '0640', uid: 998, gid: 998 }), { status: 'pass', detail: /readable by pathaudit \(the only member of group pathaudit/ }, 'pathaudit:pathaudit 0640');
  t.match(gg10({ mode: '0640', uid: 0, gid: 109 }), { status: 'fail', detail: /readable by mosquitto, pi — more than the one service account/ }, 'a shared group');
  t.match(gg10({ mode: '0640', uid: 998, gid: 1000 }), { status: 'fail', detail: /readable by pathaudit, pi/ }, 'owner and a group member are two accounts');
  t.match(gg10({ mode: '0644', uid: 998, gid: 998 }), { status: 'fail', detail: /every local account/ });
  t.match(gg10({ mode: '0640', uid: 0, gid: 998 }, null), { status: 'fail', detail: /whose members could not be read \(no \/etc\/group under \/img\)/ }, 'unknown members: counted as exposed');
});

t.test('the installer, the README and the example config state the rule GG-10 applies', async (t) => {
  const install = readFileSync(new URL('../../../scripts/install.sh', import.meta.url), 'utf8');
  t.match(install, /chmod 640 "\$ETC\/secrets\/api-token"/, 'the installer makes the API token 0640');
  t.match(install, /owner "root:\$USER_NAME" "\$ETC\/secrets\/api-token"/, '… root:pathaudit');
  t.match(install, /useradd --system --gid "\$USER_NAME"/, '… and group pathaudit is the service user\'s own group');
  t.match(gg10({ mode: '0640', uid: 0, gid: 998 }), { status: 'pass' }, 'which GG-10 passes');
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  t.match(readme, /\/etc\/pathaudit\/secrets\/` \(root:pathaudit, mode 0640 — group pathaudit holds only the pathaudit user — or 0600 owned by pathaudit\)/);
  const example = readFileSync(new URL('../../../config/pathaudit.example.yaml', import.meta.url), 'utf8').replace(/\n#\s*/g, ' ');
  t.match(example, /root:pathaudit 0640, group pathaudit holding only the pathaudit user, or 0600 owned by pathaudit/);
  t.notMatch(example, /mode 0600, owned by the pathaudit user\)/, 'the example no longer asks for 0600 alone');
});
