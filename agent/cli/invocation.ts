// The command line of this CLI invocation, for messages that tell the
// operator what to run again (as another user).
let args: readonly string[] = [];

export function setInvocation(argv: readonly string[]): void {
  args = argv;
}

/** `pathaudit run --bundle audit-baseline --config …`, each argument quoted when the shell would split it. */
export function invocation(): string {
  return ['pathaudit', ...args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))].join(' ');
}
