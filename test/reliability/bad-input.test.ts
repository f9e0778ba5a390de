// Bad input, at volume: malformed configs and fuzzed CLI arguments. Each gets
// exit 2 (or another documented code), one clear line per problem naming what
// and where, and never a stack trace.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/lab.js';

const L = (extra = '') => `broker:\n  host: 127.0.0.1\n  listeners:\n    - { name: mqtts, port: 8883, tls: true${extra} }\n`;

/** [name, yaml (may use @DIR@), expected line] — at least 30 distinct ways to get a config wrong. */
const CASES: Array<[string, string, RegExp]> = [
  ['empty listener list', 'broker:\n  host: 127.0.0.1\n  listeners: []\n', /broker\.listeners: must NOT have fewer than 1 items/],
  ['port 0', L().replace('8883', '0'), /broker\.listeners\[0\]\.port: must be >= 1/],
  ['negative port', L().replace('8883', '-1'), /port: must be >= 1/],
  ['port as text', L().replace('8883', '"https"'), /port: must be integer/],
  ['fractional port', L().replace('8883', '88.5'), /port: must be integer/],
  ['tls as string', L().replace('tls: true', 'tls: "yes"'), /tls: must be boolean/],
  ['listener without name', 'broker:\n  host: 127.0.0.1\n  listeners:\n    - { port: 1, tls: true }\n', /broker\.listeners\[0\]\.name: is required/],
  ['listener name with spaces', L().replace('name: mqtts', 'name: "my listener"'), /name: must match pattern/],
  ['host with a slash', L().replace('127.0.0.1', 'mqtt://x'), /broker\.host: must match pattern/],
  ['broker as a list', 'broker: [1, 2]\n', /broker: must be object/],
  ['unknown listener key', L(', tsl: true'), /broker\.listeners\[0\]\.tsl: unknown key/],
  ['unknown section', `${L()}brokers: {}\n`, /brokers: unknown key/],
  ['protocol not supported', `${L()}  protocol: "4"\n`, /broker\.protocol: must be one of "auto", "3\.1\.1", "5"/],
  ['default_credentials true', `${L()}  default_credentials: true\n`, /default_credentials/],
  ['inline password instead of a file', `${L()}  auth: { username: u, password: hunter2 }\n`, /broker\.auth\.password: unknown key/],
  ['missing secret file', `${L()}  auth: { username: u, password_file: @DIR@/missing }\n`, /broker\.auth\.password_file: cannot read secret file .*missing \(ENOENT/],
  ['empty secret file', `${L()}  auth: { username: u, password_file: @DIR@/empty }\n`, /broker\.auth\.password_file: secret file .*empty is empty/],
  ['secret file is a directory', `${L()}  auth: { username: u, password_file: @DIR@ }\n`, /cannot read secret file .* \(EISDIR/],
  ['ingest URL without scheme', 'ingest: { url: "127.0.0.1:8443/v1/ingest" }\n', /ingest\.url: must match pattern/],
  ['telemetry without topics', 'telemetry: { window_s: 10 }\n', /telemetry\.topics: is required/],
  ['telemetry window zero', 'telemetry: { topics: [a], window_s: 0 }\n', /telemetry\.window_s: must be > 0/],
  ['invalid cron', 'schedules:\n  - { bundle: audit-baseline, cron: "61 * * * *" }\n', /schedules\[0\]\.cron: invalid cron expression "61 \* \* \* \*"/],
  ['schedule without cron', 'schedules:\n  - { bundle: audit-baseline }\n', /schedules\[0\]/],
  ['schedule of an unknown bundle', 'schedules:\n  - { bundle: nightly, cron: "0 * * * *" }\n', /schedules\[0\]\.bundle: unknown bundle "nightly"/],
  ['unknown time zone', 'schedules:\n  - { bundle: full, cron: "0 * * * *", timezone: Mars/Olympus }\n', /schedules\[0\]\.timezone: unknown time zone "Mars\/Olympus"/],
  ['bundle naming an unknown check', 'bundles:\n  mine: [broker-transport, nmap]\n', /bundles\.mine\[1\]: unknown check "nmap"/],
  ['bundle with a bad name', 'bundles:\n  "My Bundle": [broker-transport]\n', /bundles/],
  ['api listen without port', 'api: { listen: "127.0.0.1" }\n', /api\.listen: must match pattern/],
  ['api port out of range', 'api: { listen: "127.0.0.1:99999" }\n', /api\.listen: port must be 1\.\.65535/],
  ['retention of zero days', 'store: { retention_days: 0 }\n', /store\.retention_days: must be >= 1/],
  ['waiver without expiry', 'waivers:\n  - { control: GG-04, reason: upstream firewall }\n', /waivers\[0\]\.expires: is required/],
  ['waiver with an impossible date', 'waivers:\n  - { control: GG-04, reason: x, expires: 2027-02-31 }\n', /waivers\[0\]\.expires/],
  ['deadline not a date', 'path: { name: p, deadline: next week }\n', /path\.deadline: must match pattern/],
  ['runner budget negative', 'runner: { check_timeout_s: -1 }\n', /runner\.check_timeout_s: must be > 0/],
  ['duplicate keys', 'broker: {}\nbroker: {}\n', /YAML .*[Mm]ap keys must be unique/],
  ['tab-indented YAML', 'broker:\n\thost: x\n', /YAML/],
  ['unterminated flow sequence', 'broker: { listeners: [ \n', /YAML/],
  ['a scalar document', '42\n', /must be a mapping/],
  ['YAML bomb (billion laughs)', 'a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n', /alias|resource exhaustion/i],
  ['binary garbage', '\u0000\u0001\u0002\u00ff', /YAML|must be a mapping/],
];

t.test(`${CASES.length} malformed configs → exit 2, one clear line each, no stack trace`, async (t) => {
  t.ok(CASES.length >= 30, 'at least 30 cases');
  const dir = tempDir(t);
  writeFileSync(join(dir, 'empty'), '');
  for (const [name, yaml, expected] of CASES) {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, yaml.replaceAll('@DIR@', dir));
    const r = await cli(['config', 'validate', '--config', file]);
    t.equal(r.code, 2, `${name}: exit 2`);
    t.match(r.stderr, expected, `${name}: names the problem`);
    t.notMatch(r.stderr, /\n\s+at \S+ \(/, `${name}: no stack trace`);
    t.ok(r.stderr.split('\n').every((l) => l.length < 400), `${name}: lines stay readable`);
  }
});

t.test('a config file that is unreadable, a directory, or too large is named', async (t) => {
  const dir = tempDir(t);
  const big = join(dir, 'big.yaml');
  writeFileSync(big, `# ${'x'.repeat(1024 * 1024 + 10)}\n`);
  mkdirSync(join(dir, 'adir.yaml'));
  for (const [file, expected] of [
    [big, /too large/],
    [join(dir, 'adir.yaml'), /not a regular file/],
  ] as const) {
    const r = await cli(['config', 'validate', '--config', file]);
    t.equal(r.code, 2);
    t.match(r.stderr, expected);
  }
  if (process.getuid?.() !== 0) {
    const locked = join(dir, 'locked.yaml');
    writeFileSync(locked, L());
    chmodSync(locked, 0);
    const r = await cli(['config', 'validate', '--config', locked]);
    t.match(r.stderr, /EACCES/);
  }
});

t.test('fuzzed CLI arguments end with a documented exit code and no stack trace', async (t) => {
  const dir = tempDir(t);
  const cfg = join(dir, 'c.yaml');
  writeFileSync(cfg, 'gateway: { id: fuzz }\nstore: { path: fuzz.db }\n');
  const words = ['run', 'checks', 'config', 'validate', 'delta', 'baseline', 'set', 'report', 'bundle', 'export', 'verify', 'snapshot', 'serve',
    '--bundle', '--check', '--format', '--out', '--fail-on', '--config', '--from', '--to', '--month', '--pubkey',
    'json', 'text', 'html', 'xml', 'critical', 'none', 'bogus', '', '-', '--', '-x', '--help=1', 'latest', 'baseline', '2026-13', '9999-99',
    'broker-transport,,', 'run-x', '../../etc/passwd', '\u0000', 'é', '%s%n', cfg, '--config=' + cfg];
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < 150; i++) {
    const n = 1 + Math.floor(rnd() * 5);
    const args = Array.from({ length: n }, () => words[Math.floor(rnd() * words.length)]!);
    if (args.includes('serve') || args.includes('demo')) continue; // long-running commands are exercised elsewhere
    const r = await cli(args);
    t.ok([0, 1, 2, 3].includes(r.code), `${JSON.stringify(args)} → ${r.code}`);
    t.notMatch(r.stderr, /\n\s+at \S+ \(/, `${JSON.stringify(args)}: no stack trace`);
    t.notMatch(r.stderr, /internal error/, `${JSON.stringify(args)}: no internal error`);
  }
});

/**
 * An operator's day: each case an operator met, as they met it, gets one
 * clear first line naming what and where, and its documented exit code (the
 * store-ownership and unwritable-store cases, which need another account, are
 * in test/agent/store-service.test.ts; a closed stdout in test/agent/epipe.test.ts).
 */
t.test("an operator's day: one clear line and a documented exit code per case", async (t) => {
  const dir = tempDir(t);
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const broker = 'broker:\n  host: 127.0.0.1\n  listeners: [{ name: mqtts, port: 8883, tls: true }]\n';
  const cases: Array<[string, string[], number, RegExp]> = [
    ['YAML error without line or column', ['config', 'validate', '--config', write('nested.yaml', 'broker:\n  host: 127.0.0.1: 1883\n')], 2,
      /^pathaudit: .*nested\.yaml: invalid YAML\n {2}.*nested\.yaml:2:9: YAML Nested mappings are not allowed in compact mappings\n {4}2 \| {3}host: 127\.0\.0\.1: 1883\n {6}\| {9}\^\n$/],
    ['an empty config validates as OK', ['config', 'validate', '--config', write('empty.yaml', '')], 4, /^pathaudit: warning: nothing audited: every check is not configured: add a broker, ingest, devices, telemetry or guardrails section/],
    ['a missing ca_file passes validate', ['config', 'validate', '--config', write('ca.yaml', `${broker}  ca_file: ${dir}/missing-ca.pem\nstore: { path: ${dir}/s.db }\n`)], 2,
      new RegExp(`problem\\(s\\) with the files it names, checked as \\S+ \\([^)]+\\)\\n  broker\\.ca_file: ${dir}/missing-ca\\.pem does not exist\\n$`)],
    ['a missing cert_dir passes validate', ['config', 'validate', '--config', write('dir.yaml', `devices:\n  cert_dir: ${dir}/devices\nstore: { path: ${dir}/s.db }\n`)], 2,
      new RegExp(`\\n  devices\\.cert_dir: ${dir}/devices does not exist\\n$`)],
    ['a run on a config that configures nothing', ['run', '--config', write('nothing.yaml', `store: { path: ${dir}/s.db }\n`)], 3, /^pathaudit: nothing audited: every check is not configured\n/],
    ['a store under a missing folder', ['runs', '--config', write('nofolder.yaml', `${broker}store: { path: ${dir}/state/pathaudit.db }\n`)], 3,
      new RegExp(`^pathaudit: store ${dir}/state/pathaudit\\.db: the folder ${dir}/state does not exist: check store\\.path, or create it with \`pathaudit run --init\`\\n$`)],
    ['serve --listen without a port', ['serve', '--listen', 'localhost', '--config', write('serve.yaml', broker)], 2, /^pathaudit: --listen: expected HOST:PORT with a port from 1 to 65535/],
    ['validate --as a user that does not exist', ['config', 'validate', '--as', 'nosuchuser', '--config', write('as.yaml', broker)], 2, /^pathaudit: --as nosuchuser: no such user in \/etc\/passwd\n$/],
    ['finding with a malformed reference', ['finding', 'broker', '--config', write('f.yaml', `${broker}store: { path: ${dir}/f.db }\n`)], 2, /^pathaudit: finding: expected a fingerprint/],
  ];
  for (const [name, args, code, expected] of cases) {
    const r = await cli(args);
    t.equal(r.code, code, `${name}: exit ${code}`);
    t.match(r.stderr, expected, `${name}: ${r.stderr.split('\n')[0]}`);
    t.notMatch(r.stderr, /\n\s+at \S+ \(/, `${name}: no stack trace`);
  }
});
