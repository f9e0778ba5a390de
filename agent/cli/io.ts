// Function-valued properties, not methods: commands hand io.stdout and
// io.stderr on as callbacks (commander's output, the daemon's warnings).
export interface Io {
  stdout: (text: string) => void;
  /** Raw bytes to stdout (a bundle exported with `--out -`); stdout(text) when absent. */
  stdoutBytes?: (data: Buffer) => void;
  stderr: (text: string) => void;
  /** Whether progress lines should be shown (stderr is a terminal). */
  interactive: boolean;
}

export const processIo: Io = {
  stdout: (t) => void process.stdout.write(t),
  stdoutBytes: (d) => void process.stdout.write(d),
  stderr: (t) => void process.stderr.write(t),
  interactive: Boolean(process.stderr.isTTY),
};
