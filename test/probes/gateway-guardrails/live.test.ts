// The live root (`/`): real processes for GG-05, statfs for GG-08, and the
// whole check on this machine — which is not a Pi and may lack sshd, nft or
// systemd — completing with every unavailable source skipped and a reason.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import t, { type Test } from 'tap';
import { collectDisk } from '../../../probes/gateway-guardrails/disk.js';
import { evaluateGatewayGuardrails } from '../../../probes/gateway-guardrails/evaluate.js';
import { collectProcesses } from '../../../probes/processes.js';
import { describeRun, findBinary, runCommand, systemView } from '../../../probes/system.js';
import type { PathauditConfig } from '../../../config/schema/index.js';
import type { Evidence } from '../../../probes/types.js';
import { only, runFromConfigFile } from './helpers.js';

const live = () => systemView('/', new AbortController().signal, 3000);
const judge = (config: PathauditConfig, evidence: Evidence[]) => evaluateGatewayGuardrails({ config, evidence, runEvidence: evidence, now: new Date() });
const isRoot = process.getuid?.() === 0;

async function simulatedDaemon(t: Test, name: string, uid?: number): Promise<ChildProcess> {
  // A real process whose argv[0] is the daemon name, as `exec -a` would set it.
  const child = spawn('sleep', ['30'], { argv0: name, stdio: 'ignore', ...(uid === undefined ? {} : { uid, gid: uid }) });
  t.teardown(() => child.kill());
  await once(child, 'spawn');
  return child;
}

t.test('a broker process running as root yields GG-05 fail on process <name>', { skip: !isRoot && 'needs root to start a root-owned process' }, async (t) => {
  const name = `gg05-broker-${process.pid}`;
  const child = await simulatedDaemon(t, name);
  const guardrails = { process_names: { broker: [name] } };
  const data = await collectProcesses(live(), guardrails.process_names);
  const results = judge({ guardrails }, [{ key: 'processes', kind: 'process-owners', resource: 'processes', data }]);
  t.match(only(results, 'GG-05', `process ${name}`), { status: 'fail', evidence: ['processes'], detail: new RegExp(`broker ${name} runs as root: pid ${child.pid} euid 0`) });
  t.match(only(results, 'GG-05', 'process relay'), { status: 'skipped', detail: /no guardrails\.process_names\.relay configured/ });
});

t.test('a relay process running as nobody yields GG-05 pass; a configured broker not running is skipped', { skip: !isRoot && 'needs root to start a process as another user' }, async (t) => {
  const relay = `gg05-relay-${process.pid}`;
  await simulatedDaemon(t, relay, 65534);
  const guardrails = { process_names: { broker: [`gg05-absent-${process.pid}`], relay: [relay] } };
  const data = await collectProcesses(live(), guardrails.process_names);
  const results = judge({ guardrails }, [{ key: 'processes', kind: 'process-owners', resource: 'processes', data }]);
  t.match(only(results, 'GG-05', `process ${relay}`), { status: 'pass', detail: /runs unprivileged: pid \d+ euid 65534/ });
  t.match(only(results, 'GG-05', 'process broker'), { status: 'skipped', detail: /no broker process running \(looked for gg05-absent-/ });
  // No command line in the evidence: each process is its name, pid, role and uids, nothing else, and no
  // string anywhere holds the command or its argument (pids are numbers and may contain any digits).
  const procs = (data as unknown as { processes: Array<Record<string, unknown>> }).processes;
  t.ok(procs.length > 0, 'the relay was observed');
  for (const p of procs) t.same(Object.keys(p).sort(), ['euid', 'name', 'pid', 'role', 'uid', 'user'], `process ${String(p.pid)}: no argv or cmdline field`);
  const strings: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') strings.push(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(data);
  t.same(strings.filter((s) => /\bsleep\b/.test(s) || s === '30' || s.includes(' 30')), [], 'command lines stay out of evidence');
});

t.test('free space on / below min_free_percent yields GG-08 fail; above, pass', async (t) => {
  for (const [min, status] of [[100, 'fail'], [0, 'pass']] as const) {
    const data = await collectDisk(live(), '/', min);
    const results = judge({ guardrails: { disk: [{ mount: '/', min_free_percent: min }] } }, [{ key: 'disk /', kind: 'disk-free', resource: 'disk /', data }]);
    t.match(only(results, 'GG-08', 'disk /'), { status, evidence: ['disk /'], detail: new RegExp(`^/: [\\d.]+ % free .* threshold ${min} %$`) });
  }
  const missing = await collectDisk(live(), '/no/such/mount', 10);
  t.match(missing, { state: 'absent', reason: /does not exist/ });
});

t.test('a command that overruns its timeout or the check budget is killed and reported, not awaited', async (t) => {
  const sleep = (await findBinary('sleep'))!;
  const timed = await runCommand(sleep, ['5'], live(), 200);
  t.match(timed, { timedOut: true, exitCode: null });
  t.ok(timed.durationMs < 2000, `killed after ${timed.durationMs} ms`);
  t.match(describeRun(timed), /^`sleep 5` gave no answer within the timeout/);
  const budget = new AbortController();
  setTimeout(() => budget.abort(new Error('check budget ran out')), 100);
  const aborted = await runCommand(sleep, ['5'], systemView('/', budget.signal, 5000));
  t.match(aborted, { timedOut: true });
  t.ok(aborted.durationMs < 2000, `stopped on the check's signal after ${aborted.durationMs} ms`);
});

t.test('the whole check on this machine\'s live root completes; unavailable sources are skipped with a reason', async (t) => {
  // Generous budget: apt-get -s walks the cache and this machine is shared.
  const doc = await runFromConfigFile(t, { root: '/', allowed_listeners: [22] }, { check_timeout_s: 60, step_timeout_ms: 10000 });
  t.equal(doc.run.checks[0]!.outcome, 'completed', 'collect finished within its budget');
  for (const c of ['GG-01', 'GG-02', 'GG-03', 'GG-04', 'GG-05', 'GG-06', 'GG-07', 'GG-08', 'GG-09', 'GG-10']) t.ok(doc.results.some((r) => r.control === c), `${c} has a result`);
  for (const r of doc.results) {
    t.not(r.detail, '', `${r.control} ${r.resource} says why`);
    if (r.status === 'pass' || r.status === 'fail' || r.status === 'warn') t.ok(r.evidence.length > 0, `${r.control} ${r.resource} ${r.status} has evidence`);
    t.notMatch(r.detail, /^internal:/, `${r.control} ${r.resource} keeps the contract`);
  }
  // Sources this machine lacks, decided here from the machine itself (no hard-coded verdicts).
  const result = (c: string, res: string) => doc.results.find((r) => r.control === c && r.resource === res);
  if (!(await findBinary('sshd')) && !existsSync('/etc/ssh/sshd_config'))
    t.match(result('GG-01', 'sshd'), { status: 'skipped', detail: /OpenSSH server not installed/ }, 'no OpenSSH server here');
  if (!(await findBinary('nft')) && !(await findBinary('iptables-save')))
    t.match(result('GG-04', 'firewall'), { status: 'skipped', detail: /no firewall tool to ask the kernel/ }, 'no nft or iptables here');
  if (!(await findBinary('vcgencmd')) && !existsSync('/sys/devices/platform/soc/soc:firmware/get_throttled'))
    t.match(result('GG-09', 'power'), { status: 'skipped', detail: /not a Raspberry Pi/ }, 'not a Pi');
  if (!(await findBinary('timedatectl')) && !(await findBinary('chronyc')))
    t.match(result('GG-07', 'clock'), { status: 'skipped', detail: /no clock synchronisation service/ }, 'no time service tools here');
  t.match(result('GG-10', 'files'), { status: 'skipped' }, 'no secret_files configured');
  t.match(result('GG-08', 'disk /'), { status: /^(pass|fail)$/ }, 'free space on / is always observable');
  t.comment(`collect took ${doc.run.checks[0]!.durationMs} ms`);
  t.comment(doc.results.map((r) => `${r.control} ${r.resource}: ${r.status} — ${r.detail}`).join('\n'));
});
