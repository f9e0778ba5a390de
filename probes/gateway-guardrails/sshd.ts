// sshd: the effective server settings behind GG-01/GG-02.
//
// On the live root with an sshd binary, `sshd -T` is the authority (it applies
// every default and Include exactly as the daemon will). Otherwise — an image,
// or sshd -T refusing (no host keys, not root) — the files are parsed here with
// sshd_config(5) semantics: keywords are case-insensitive, the FIRST value
// obtained wins, `Include` globs are relative to /etc/ssh and expand in sorted
// order, and a `Match` block runs until the next `Match` or the end of the file
// it is in (servconf.c restores the match state after an Include). Match blocks
// are always read from the files: `sshd -T` without `-C` shows only the
// global settings, and a Match that re-enables passwords is the finding.
import { absent, failed, type Observation } from '../evidence.js';
import { globUnderRoot, readUnderRoot } from '../root.js';
import { findBinary, runCommand, describeRun, notLive, type SystemView } from '../system.js';

/** The settings GG-01/GG-02 judge. */
export const SSHD_KEYS = ['passwordauthentication', 'permitrootlogin', 'kbdinteractiveauthentication', 'usepam', 'authenticationmethods'] as const;
export type SshdKey = (typeof SSHD_KEYS)[number];

/** OpenSSH's compiled-in defaults (sshd_config(5), OpenSSH 9.2 as in Debian 12). */
export const SSHD_DEFAULTS: Record<SshdKey, string> = {
  passwordauthentication: 'yes',
  permitrootlogin: 'prohibit-password',
  kbdinteractiveauthentication: 'yes',
  usepam: 'no',
  authenticationmethods: 'any',
};

/** Deprecated spellings sshd still accepts for the same setting. */
const ALIASES: Record<string, SshdKey> = { challengeresponseauthentication: 'kbdinteractiveauthentication' };

export interface Setting {
  value: string;
  /** `/etc/ssh/sshd_config.d/50-cloud-init.conf:3`, `sshd -T` or `default`. */
  origin: string;
}

export interface MatchBlock {
  /** The Match line as written, e.g. `Match User pi`. */
  criteria: string;
  origin: string;
  settings: Partial<Record<SshdKey, Setting>>;
}

export interface SshdConfigFacts {
  /** How the global settings were obtained. */
  method: 'sshd -T' | 'files';
  /** Why `sshd -T` was not used (for the record). */
  sshdT: string | null;
  /** Files read, in the order sshd reads them. */
  files: string[];
  global: Record<SshdKey, Setting>;
  matchBlocks: MatchBlock[];
  /** Include patterns that matched no file (sshd ignores them too; worth knowing). */
  unmatchedIncludes: string[];
}

export type SshdEvidence = Observation<SshdConfigFacts>;

const MAX_INCLUDE_DEPTH = 16; // servconf.c's SERVCONF_MAX_DEPTH

/** Splits one config line into keyword and arguments (`Key=value` and quoted arguments allowed). */
export function splitConfigLine(line: string): { keyword: string; args: string[] } | null {
  const trimmed = line.trim();
  if (!trimmed || trimmed.startsWith('#')) return null;
  const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(trimmed) ?? [trimmed, trimmed, ''];
  const args: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let a = re.exec(m[2]); a; a = re.exec(m[2])) {
    if (a[2]?.startsWith('#')) break;
    args.push(a[1] ?? a[2]!);
  }
  return { keyword: m[1].toLowerCase(), args };
}

interface ParseState {
  view: SystemView;
  files: string[];
  global: Partial<Record<SshdKey, Setting>>;
  matchBlocks: MatchBlock[];
  unmatchedIncludes: string[];
}

async function parseFile(state: ParseState, systemPath: string, text: string, inherited: MatchBlock | null, depth: number): Promise<void> {
  state.files.push(systemPath);
  let match = inherited;
  const lines = text.split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    const parsed = splitConfigLine(line);
    if (!parsed) continue;
    const origin = `${systemPath}:${i + 1}`;
    if (parsed.keyword === 'match') {
      const all = parsed.args.length === 1 && parsed.args[0]!.toLowerCase() === 'all';
      // `Match all` returns to settings that apply to every connection.
      match = all ? null : { criteria: `Match ${parsed.args.join(' ')}`, origin, settings: {} };
      if (match) state.matchBlocks.push(match);
      continue;
    }
    if (parsed.keyword === 'include') {
      if (depth >= MAX_INCLUDE_DEPTH) throw new Error(`${origin}: Include nested deeper than ${MAX_INCLUDE_DEPTH} levels`);
      for (const pattern of parsed.args) {
        const abs = pattern.startsWith('/') ? pattern : `/etc/ssh/${pattern}`;
        const found = await globUnderRoot(state.view, abs);
        if (!found.length) state.unmatchedIncludes.push(`${abs} (${origin})`);
        for (const f of found) {
          const inc = await readUnderRoot(state.view, f);
          if (inc !== null) await parseFile(state, f, inc, match, depth + 1);
        }
      }
      continue;
    }
    const key = (ALIASES[parsed.keyword] ?? parsed.keyword) as SshdKey;
    if (!SSHD_KEYS.includes(key) || !parsed.args.length) continue;
    // AuthenticationMethods takes several space-separated lists; the others one word.
    const value = key === 'authenticationmethods' ? parsed.args.join(' ') : parsed.args[0]!;
    const setting = { value: value.toLowerCase(), origin };
    const target = match ? match.settings : state.global;
    if (!target[key]) target[key] = setting; // first obtained value wins
  }
}

/** Parses sshd_config (and everything it includes) under the view's root. Null when the file is absent. */
export async function parseSshdConfig(view: SystemView, mainFile = '/etc/ssh/sshd_config'): Promise<SshdConfigFacts | null> {
  const text = await readUnderRoot(view, mainFile);
  if (text === null) return null;
  const state: ParseState = { view, files: [], global: {}, matchBlocks: [], unmatchedIncludes: [] };
  await parseFile(state, mainFile, text, null, 0);
  const global = Object.fromEntries(SSHD_KEYS.map((k) => [k, state.global[k] ?? { value: SSHD_DEFAULTS[k], origin: 'default' }])) as Record<SshdKey, Setting>;
  return { method: 'files', sshdT: null, files: state.files, global, matchBlocks: state.matchBlocks, unmatchedIncludes: state.unmatchedIncludes };
}

/** `sshd -T` output → the settings we judge (it prints every keyword lower-case, one per line). */
export function parseSshdT(text: string): Partial<Record<SshdKey, Setting>> {
  const out: Partial<Record<SshdKey, Setting>> = {};
  for (const line of text.split('\n')) {
    const [k, ...rest] = line.trim().split(/\s+/);
    const key = (ALIASES[k ?? ''] ?? k) as SshdKey;
    const v = key === 'authenticationmethods' ? rest.join(' ') : rest[0];
    if (v && SSHD_KEYS.includes(key) && !out[key]) out[key] = { value: v.toLowerCase(), origin: 'sshd -T' };
  }
  return out;
}

export async function collectSshd(view: SystemView): Promise<SshdEvidence> {
  let files: SshdConfigFacts | null;
  try {
    files = await parseSshdConfig(view);
  } catch (err) {
    return failed(`could not read the sshd configuration: ${err instanceof Error ? err.message : String(err)}`);
  }
  let sshdT: string | null = view.live ? null : notLive(view, '`sshd -T`');
  if (view.live) {
    const bin = await findBinary('sshd');
    if (!bin) sshdT = 'no sshd binary';
    else {
      const run = await runCommand(bin, ['-T'], view);
      if (run.exitCode === 0) {
        const effective = parseSshdT(run.stdout);
        if (effective.passwordauthentication && effective.permitrootlogin) {
          const global = Object.fromEntries(SSHD_KEYS.map((k) => [k, effective[k] ?? files?.global[k] ?? { value: SSHD_DEFAULTS[k], origin: 'default' }])) as Record<SshdKey, Setting>;
          return { state: 'observed', method: 'sshd -T', sshdT: null, files: files?.files ?? [], global, matchBlocks: files?.matchBlocks ?? [], unmatchedIncludes: files?.unmatchedIncludes ?? [] };
        }
        sshdT = '`sshd -T` output lacked the expected keywords';
      } else sshdT = describeRun(run);
    }
  }
  if (!files) return absent(`OpenSSH server not installed: no /etc/ssh/sshd_config under ${view.root}${sshdT && view.live ? ` (${sshdT})` : ''}`);
  return { state: 'observed', ...files, sshdT };
}
