// Firewall for GG-04: the input base chains and their default verdict.
//
// Live root: the kernel's ruleset as `nft list ruleset` prints it (this also
// shows iptables-nft tables), else `iptables-save`/`ip6tables-save`. Image
// root: what Debian loads at boot — /etc/nftables.conf (nftables.service),
// /etc/iptables/rules.v{4,6} (netfilter-persistent), ufw's default policy —
// each with whether its unit is enabled, since a ruleset file nobody loads
// protects nothing.
import { absent, failed, type Observation } from '../evidence.js';
import { globUnderRoot, readUnderRoot } from '../root.js';
import { deniedByPrivilege, describeRun, findBinary, runCommand, type SystemView } from '../system.js';

export type Family = 'ip' | 'ip6' | 'inet';

export interface InputChain {
  family: Family;
  table: string;
  chain: string;
  /** Default verdict when no rule decides. */
  policy: 'accept' | 'drop';
  /** The chain ends with an unconditional drop/reject rule (default-deny without a drop policy). */
  endsWithDrop: boolean;
  /** Where it came from: a file path or the command. */
  source: string;
}

export interface RulesetSource {
  source: string;
  kind: 'nftables' | 'iptables' | 'ufw';
  /** Image root: whether the unit that loads this file is enabled. Null on the live root (the kernel's own ruleset). */
  loadedAtBoot: boolean | null;
  unit: string | null;
}

export interface FirewallFacts {
  method: 'nft list ruleset' | 'iptables-save' | 'ruleset files';
  sources: RulesetSource[];
  inputChains: InputChain[];
}

export type FirewallEvidence = Observation<FirewallFacts>;

const UNCONDITIONAL_DROP =
  /^(?:counter(?:\s+packets\s+\d+\s+bytes\s+\d+)?\s+)?(?:log(?:\s+(?:prefix\s+"[^"]*"|level\s+\S+|flags\s+\S+|group\s+\d+))*\s+)?(?:counter(?:\s+packets\s+\d+\s+bytes\s+\d+)?\s+)?(?:drop|reject(?:\s+with\s+.+)?)$/;

function tokenize(text: string): string[] {
  const noComments = text
    .split('\n')
    .map((l) => l.replace(/(^|\s)#.*$/, ''))
    .join('\n');
  return noComments.match(/"[^"]*"|[{};]|\n|[^\s{};"]+/g) ?? [];
}

/**
 * Parses nftables syntax (a ruleset file or `nft list ruleset` output) and
 * returns its input-hook base chains. Anonymous sets and maps inside rules
 * (`tcp dport { 22, 8883 } accept`) stay part of their rule.
 */
export function parseNftRuleset(text: string, source: string): InputChain[] {
  const tokens = tokenize(text);
  const chains: InputChain[] = [];
  let i = 0;

  /** Reads one statement up to `;`, newline or a block opening at statement level. */
  function statement(): { words: string[]; end: string | undefined } {
    const words: string[] = [];
    while (i < tokens.length) {
      const t = tokens[i]!;
      if (t === ';' || t === '\n' || t === '}') return { words, end: t };
      if (t === '{') return { words, end: t };
      words.push(t);
      i++;
    }
    return { words, end: undefined };
  }

  /** Swallows a brace group (the `{` is at tokens[i]) and returns its words flattened. */
  function inlineGroup(): string[] {
    const words: string[] = [];
    let depth = 0;
    for (; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t === '{') depth++;
      else if (t === '}') {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      } else if (t !== '\n') words.push(t);
    }
    return ['{', ...words, '}'];
  }

  function chainBody(family: Family, table: string, chain: string): void {
    let hook: string | null = null;
    let policy: 'accept' | 'drop' = 'accept';
    let lastRule: string | null = null;
    let rule: string[] = [];
    const endRule = () => {
      if (!rule.length) return;
      const text = rule.join(' ');
      if (rule[0] === 'type') hook = rule[rule.indexOf('hook') + 1] ?? null;
      else if (rule[0] === 'policy') policy = rule[1] === 'drop' ? 'drop' : 'accept';
      else if (rule[0] !== 'comment' && rule[0] !== 'devices') lastRule = text;
      rule = [];
    };
    while (i < tokens.length) {
      const t = tokens[i]!;
      if (t === '}') {
        i++;
        break;
      }
      if (t === ';' || t === '\n') {
        endRule();
        i++;
      } else if (t === '{') rule.push(...inlineGroup());
      else {
        rule.push(t);
        i++;
      }
    }
    endRule();
    if (hook === 'input') chains.push({ family, table, chain, policy, endsWithDrop: lastRule !== null && UNCONDITIONAL_DROP.test(lastRule), source });
  }

  function tableBody(family: Family, table: string): void {
    while (i < tokens.length) {
      const { words, end } = statement();
      if (end === '}') {
        i++;
        return;
      }
      if (end === '{') {
        i++;
        if (words[0] === 'chain' && words[1]) chainBody(family, table, words[1]);
        else skipBlock();
      } else i++;
    }
  }

  function skipBlock(): void {
    let depth = 1;
    for (; i < tokens.length && depth > 0; i++) {
      if (tokens[i] === '{') depth++;
      else if (tokens[i] === '}') depth--;
    }
  }

  const familyOf = (w: string | undefined): Family | null => (w === 'ip' || w === 'ip6' || w === 'inet' ? w : null);

  while (i < tokens.length) {
    const { words, end } = statement();
    if (end !== '{') {
      i++;
      continue;
    }
    i++;
    const w = words[0] === 'add' || words[0] === 'create' ? words.slice(1) : words;
    if (w[0] === 'table') {
      // `table NAME` without a family is `ip` (nft(8)); netdev/bridge/arp tables have no input hook for this host.
      const family = w.length >= 3 ? familyOf(w[1]) : 'ip';
      if (family) tableBody(family, w[w.length - 1]!);
      else skipBlock();
    } else if (w[0] === 'chain' && w.length >= 4) {
      const family = familyOf(w[1]);
      if (family) chainBody(family, w[2]!, w[3]!);
      else skipBlock();
    } else {
      // `define x = { … }` and similar: not a chain, skip its braces.
      i--;
      inlineGroup();
    }
  }
  return chains;
}

/** Parses iptables-save / ip6tables-save output (or rules.v4/v6): the filter table's INPUT chain. */
export function parseIptablesSave(text: string, family: 'ip' | 'ip6', source: string): InputChain[] {
  let table = '';
  let policy: 'accept' | 'drop' | null = null;
  let last: string | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) table = line.slice(1);
    if (table !== 'filter') continue;
    const pol = /^:INPUT\s+(\S+)/.exec(line);
    if (pol) policy = pol[1] === 'DROP' ? 'drop' : 'accept';
    if (line.startsWith('-A INPUT ')) last = line.slice('-A INPUT '.length).replace(/-m comment --comment ("[^"]*"|\S+)\s*/, '').trim();
  }
  if (policy === null) return [];
  return [{ family, table: 'filter', chain: 'INPUT', policy, endsWithDrop: last !== null && /^-j (DROP|REJECT)(\s+--reject-with\s+\S+)?$/.test(last), source }];
}

async function unitEnabled(view: SystemView, unit: string): Promise<boolean> {
  return (await globUnderRoot(view, `/etc/systemd/system/*.wants/${unit}`)).length > 0;
}

async function collectLive(view: SystemView): Promise<FirewallEvidence> {
  const nft = await findBinary('nft');
  const tried: string[] = [];
  if (nft) {
    const run = await runCommand(nft, ['list', 'ruleset'], view);
    if (run.exitCode === 0)
      return { state: 'observed', method: 'nft list ruleset', sources: [{ source: 'nft list ruleset', kind: 'nftables', loadedAtBoot: null, unit: null }], inputChains: parseNftRuleset(run.stdout, 'nft list ruleset') };
    if (deniedByPrivilege(run)) return absent(`not root: ${describeRun(run)}`);
    if (run.timedOut) return failed(describeRun(run));
    tried.push(describeRun(run));
  } else tried.push('no nft binary');
  const save = await findBinary('iptables-save');
  if (!save) return absent(`no firewall tool to ask the kernel: ${[...tried, 'no iptables-save binary'].join('; ')}`);
  const v4 = await runCommand(save, [], view);
  if (v4.exitCode !== 0) return deniedByPrivilege(v4) ? absent(`not root: ${describeRun(v4)}`) : failed(describeRun(v4));
  const chains = parseIptablesSave(v4.stdout, 'ip', 'iptables-save');
  const sources: RulesetSource[] = [{ source: 'iptables-save', kind: 'iptables', loadedAtBoot: null, unit: null }];
  const save6 = await findBinary('ip6tables-save');
  if (save6) {
    const v6 = await runCommand(save6, [], view);
    if (v6.exitCode === 0) {
      chains.push(...parseIptablesSave(v6.stdout, 'ip6', 'ip6tables-save'));
      sources.push({ source: 'ip6tables-save', kind: 'iptables', loadedAtBoot: null, unit: null });
    }
  }
  return { state: 'observed', method: 'iptables-save', sources, inputChains: chains };
}

/** nft's `include "…"`: expanded in place, relative paths from /etc (nft's default include path). */
async function readNftWithIncludes(view: SystemView, systemPath: string, depth = 0): Promise<string> {
  const text = (await readUnderRoot(view, systemPath)) ?? '';
  if (depth > 8) throw new Error(`${systemPath}: include nested deeper than 8 levels`);
  const parts: string[] = [];
  for (const line of text.split('\n')) {
    const inc = /^\s*include\s+"([^"]+)"/.exec(line);
    if (!inc) {
      parts.push(line);
      continue;
    }
    const pattern = inc[1]!.startsWith('/') ? inc[1]! : `/etc/${inc[1]}`;
    for (const f of await globUnderRoot(view, pattern)) parts.push(await readNftWithIncludes(view, f, depth + 1));
  }
  return parts.join('\n');
}

/** ufw keeps its default policy in /etc/default/ufw and whether it starts in /etc/ufw/ufw.conf. */
async function readUfw(view: SystemView): Promise<{ source: RulesetSource; chains: InputChain[] } | null> {
  const defaults = await readUnderRoot(view, '/etc/default/ufw');
  const conf = await readUnderRoot(view, '/etc/ufw/ufw.conf');
  if (defaults === null || conf === null) return null;
  const value = (text: string, key: string) => new RegExp(`^\\s*${key}\\s*=\\s*"?([^"\\s]*)"?`, 'm').exec(text)?.[1] ?? null;
  const enabled = value(conf, 'ENABLED')?.toLowerCase() === 'yes';
  const policy = value(defaults, 'DEFAULT_INPUT_POLICY')?.toUpperCase() === 'DROP' || value(defaults, 'DEFAULT_INPUT_POLICY')?.toUpperCase() === 'REJECT' ? 'drop' : 'accept';
  const ipv6 = value(defaults, 'IPV6')?.toLowerCase() !== 'no';
  const source = '/etc/default/ufw';
  const chains: InputChain[] = [{ family: 'ip', table: 'ufw', chain: 'INPUT', policy, endsWithDrop: false, source }];
  if (ipv6) chains.push({ family: 'ip6', table: 'ufw', chain: 'INPUT', policy, endsWithDrop: false, source });
  return { source: { source, kind: 'ufw', loadedAtBoot: enabled && (await unitEnabled(view, 'ufw.service')), unit: 'ufw.service (ENABLED in /etc/ufw/ufw.conf)' }, chains };
}

async function collectFiles(view: SystemView): Promise<FirewallEvidence> {
  const sources: RulesetSource[] = [];
  const inputChains: InputChain[] = [];
  if ((await readUnderRoot(view, '/etc/nftables.conf')) !== null) {
    sources.push({ source: '/etc/nftables.conf', kind: 'nftables', loadedAtBoot: await unitEnabled(view, 'nftables.service'), unit: 'nftables.service' });
    inputChains.push(...parseNftRuleset(await readNftWithIncludes(view, '/etc/nftables.conf'), '/etc/nftables.conf'));
  }
  for (const [file, family] of [['/etc/iptables/rules.v4', 'ip'], ['/etc/iptables/rules.v6', 'ip6']] as const) {
    const text = await readUnderRoot(view, file);
    if (text === null) continue;
    sources.push({ source: file, kind: 'iptables', loadedAtBoot: await unitEnabled(view, 'netfilter-persistent.service'), unit: 'netfilter-persistent.service' });
    inputChains.push(...parseIptablesSave(text, family, file));
  }
  const ufw = await readUfw(view);
  if (ufw) {
    sources.push(ufw.source);
    inputChains.push(...ufw.chains);
  }
  if (!sources.length)
    return absent(`no firewall configuration under ${view.root} (/etc/nftables.conf, /etc/iptables/rules.v{4,6}, /etc/ufw): no nftables, iptables-persistent or ufw installed`);
  return { state: 'observed', method: 'ruleset files', sources, inputChains };
}

export async function collectFirewall(view: SystemView): Promise<FirewallEvidence> {
  try {
    return view.live ? await collectLive(view) : await collectFiles(view);
  } catch (err) {
    return failed(`could not read the firewall ruleset: ${err instanceof Error ? err.message : String(err)}`);
  }
}
