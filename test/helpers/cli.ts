import { main } from '../../agent/cli/main.js';

/** Runs the CLI in-process and captures what it prints. */
export async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), interactive: false });
  return { code, stdout, stderr };
}
