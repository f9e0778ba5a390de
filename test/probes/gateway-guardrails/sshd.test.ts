// GG-01/GG-02 from sshd_config trees: Include globs, first-value-wins, Match
// blocks (ending at the next Match or at the end of the file they are in).
import t from 'tap';
import { parseSshdConfig, parseSshdT, splitConfigLine } from '../../../probes/gateway-guardrails/sshd.js';
import { systemView } from '../../../probes/system.js';
import { audit, buildTree, only } from './helpers.js';

const view = (root: string) => systemView(root, new AbortController().signal, 1000);

t.test('PasswordAuthentication yes in a drop-in yields GG-01 fail naming the file and line', async (t) => {
  const root = buildTree(t, {
    'etc/ssh/sshd_config': 'Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\nPermitRootLogin no\n',
    'etc/ssh/sshd_config.d/20-installer.conf': '# set by the installer\nPasswordAuthentication yes\n',
  });
  const { results } = await audit({ root });
  t.match(only(results, 'GG-01'), { status: 'fail', resource: 'sshd', evidence: ['sshd'], detail: /PasswordAuthentication yes \(\/etc\/ssh\/sshd_config\.d\/20-installer\.conf:2\)/ });
  t.match(only(results, 'GG-02'), { status: 'pass', detail: /PermitRootLogin no \(\/etc\/ssh\/sshd_config:3\)/ });
});

t.test('the first value sshd reads wins: an earlier drop-in turning passwords off yields GG-01 pass', async (t) => {
  const root = buildTree(t, {
    'etc/ssh/sshd_config': 'Include sshd_config.d/*.conf\nPasswordAuthentication yes\nKbdInteractiveAuthentication no\n',
    'etc/ssh/sshd_config.d/10-off.conf': 'passwordauthentication=no\n',
    'etc/ssh/sshd_config.d/90-on.conf': 'PasswordAuthentication yes\n',
    'etc/ssh/sshd_config.d/README': 'PasswordAuthentication yes # not *.conf: never included\n',
  });
  const { results, evidence } = await audit({ root });
  t.match(only(results, 'GG-01'), { status: 'pass', detail: /PasswordAuthentication no \(\/etc\/ssh\/sshd_config\.d\/10-off\.conf:1\)/ });
  const files = (evidence.find((e) => e.key === 'sshd')!.data as { files: string[] }).files;
  t.same(files, ['/etc/ssh/sshd_config', '/etc/ssh/sshd_config.d/10-off.conf', '/etc/ssh/sshd_config.d/90-on.conf'], 'relative Include resolved from /etc/ssh, globbed in sorted order');
});

t.test('keyboard-interactive through PAM counts as password authentication for GG-01', async (t) => {
  const root = buildTree(t, { 'etc/ssh/sshd_config': 'PasswordAuthentication no\nUsePAM yes\n' });
  const { results } = await audit({ root });
  t.match(only(results, 'GG-01'), { status: 'fail', detail: /KbdInteractiveAuthentication yes \(OpenSSH default\) with UsePAM yes/ });
});

t.test('a Match block re-enabling passwords yields GG-01 fail naming the block, even with the global setting off', async (t) => {
  const root = buildTree(t, {
    'etc/ssh/sshd_config': 'PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin no\nInclude /etc/ssh/sshd_config.d/*.conf\n',
    'etc/ssh/sshd_config.d/30-lan.conf': 'Match Address 10.0.0.0/8 User installer\n  PasswordAuthentication yes\n',
  });
  const { results } = await audit({ root });
  t.match(only(results, 'GG-01'), { status: 'fail', detail: /Match block `Match Address 10\.0\.0\.0\/8 User installer` \(\/etc\/ssh\/sshd_config\.d\/30-lan\.conf:1\) re-enables passwords/ });
  t.equal(only(results, 'GG-02').status, 'pass', 'the Match block leaves root login alone');
});

t.test('a Match block setting PermitRootLogin yes yields GG-02 fail; prohibit-password alone is a low warn', async (t) => {
  const matchRoot = buildTree(t, { 'etc/ssh/sshd_config': 'PermitRootLogin no\nMatch Host backup.lan\n  PermitRootLogin yes\n' });
  t.match(only((await audit({ root: matchRoot })).results, 'GG-02'), { status: 'fail', detail: /Match block `Match Host backup\.lan` \(\/etc\/ssh\/sshd_config:2\) sets PermitRootLogin yes/ });
  const keyOnly = buildTree(t, { 'etc/ssh/sshd_config': '#PermitRootLogin prohibit-password\n' });
  t.match(only((await audit({ root: keyOnly })).results, 'GG-02'), { status: 'warn', severity: 'low', detail: /prohibit-password \(OpenSSH default\)/ });
});

t.test('a Match in an included file ends with that file; settings after the Include are global again', async (t) => {
  const root = buildTree(t, {
    'etc/ssh/sshd_config': 'Include /etc/ssh/match.conf\nPasswordAuthentication no\n',
    'etc/ssh/match.conf': 'Match User pi\n  PermitRootLogin yes\n',
  });
  const facts = (await parseSshdConfig(view(root)))!;
  t.same(facts.global.passwordauthentication, { value: 'no', origin: '/etc/ssh/sshd_config:2' });
  t.same(facts.matchBlocks.map((m) => [m.criteria, Object.keys(m.settings)]), [['Match User pi', ['permitrootlogin']]]);
});

t.test('an Include inside a Match block puts the included settings in that block; Match all returns to global', async (t) => {
  const root = buildTree(t, {
    'etc/ssh/sshd_config': 'Match User deploy\n  Include /etc/ssh/deploy.conf\nMatch all\nPermitRootLogin no\n',
    'etc/ssh/deploy.conf': 'PasswordAuthentication yes\n',
  });
  const facts = (await parseSshdConfig(view(root)))!;
  t.equal(facts.matchBlocks[0]!.settings.passwordauthentication?.origin, '/etc/ssh/deploy.conf:1');
  t.equal(facts.global.passwordauthentication.origin, 'default');
  t.equal(facts.global.permitrootlogin.value, 'no');
});

t.test('an Include climbing out with .. stays inside the root (clamped as in a chroot), never reading the auditing machine', async (t) => {
  const root = buildTree(t, { 'etc/ssh/sshd_config': 'Include ../../../../../../etc/passwd\n' });
  const { results } = await audit({ root });
  // `..` is clamped at the root, so the pattern names <root>/etc/passwd, which does not exist.
  t.match(only(results, 'GG-01'), { status: 'fail', detail: /OpenSSH default/ });
  const facts = (await parseSshdConfig(view(root)))!;
  t.same(facts.files, ['/etc/ssh/sshd_config']);
  t.match(facts.unmatchedIncludes, [/etc\/passwd/]);
});

t.test('no sshd_config under the root yields GG-01 and GG-02 skipped with the reason', async (t) => {
  const root = buildTree(t, { 'etc/hostname': 'gw\n' });
  const { results } = await audit({ root });
  for (const c of ['GG-01', 'GG-02']) t.match(only(results, c), { status: 'skipped', detail: /OpenSSH server not installed/ });
});

t.test('config lines: Key=value, quotes and trailing comments', async (t) => {
  t.same(splitConfigLine('  PasswordAuthentication=no'), { keyword: 'passwordauthentication', args: ['no'] });
  t.same(splitConfigLine('Match User "a b" # why'), { keyword: 'match', args: ['User', 'a b'] });
  t.equal(splitConfigLine('# comment'), null);
  t.same(parseSshdT('port 22\npermitrootlogin without-password\npasswordauthentication no\n'), {
    permitrootlogin: { value: 'without-password', origin: 'sshd -T' },
    passwordauthentication: { value: 'no', origin: 'sshd -T' },
  });
});

t.test('an absolute symlink for sshd_config.d is followed inside the image root (as in a chroot)', async (t) => {
  const root = buildTree(t, {
    'etc/ssh/sshd_config': 'Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\n',
    'etc/ssh/sshd_config.d': { link: '/opt/gateway/ssh.d' },
    'opt/gateway/ssh.d/10.conf': 'PasswordAuthentication no\n',
  });
  t.match(only((await audit({ root })).results, 'GG-01'), { status: 'pass', detail: /PasswordAuthentication no \(\/etc\/ssh\/sshd_config\.d\/10\.conf:1\)/ });
});

t.test('AuthenticationMethods publickey leaves no way to use a password: GG-01 pass despite PasswordAuthentication yes', async (t) => {
  const root = buildTree(t, { 'etc/ssh/sshd_config': 'AuthenticationMethods publickey\nPasswordAuthentication yes\nKbdInteractiveAuthentication no\n' });
  t.match(only((await audit({ root })).results, 'GG-01'), { status: 'pass', detail: /^AuthenticationMethods publickey \(\/etc\/ssh\/sshd_config:1\)/ });
  const twoFactor = buildTree(t, { 'etc/ssh/sshd_config': 'AuthenticationMethods publickey,password publickey,keyboard-interactive\nPasswordAuthentication yes\n' });
  t.match(only((await audit({ root: twoFactor })).results, 'GG-01'), { status: 'fail', detail: /PasswordAuthentication yes/ });
});
