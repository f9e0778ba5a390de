export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether progress lines should be shown (stderr is a terminal). */
  interactive: boolean;
}

export const processIo: Io = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  interactive: Boolean(process.stderr.isTTY),
};
