// A YAML syntax error as an operator can act on it: file, line and column,
// then the offending line with a caret under the column. The `yaml` package
// gives the error's offset (linePos only with prettyErrors, which would also
// put its own context into the message); the lines are made here.
import { terminalLine } from '../reports/escape.js';

/** How much of a long line is shown around the column. */
const WINDOW = 100;

export interface YamlErrorLike {
  message: string;
  pos: [number, number];
}

/** 1-based line and column of an offset in text. */
export function lineColOf(text: string, offset: number): { line: number; col: number; lineText: string } {
  const at = Math.max(0, Math.min(offset, text.length));
  const start = text.lastIndexOf('\n', at - 1) + 1;
  const end = text.indexOf('\n', at);
  const line = text.slice(0, start).split('\n').length;
  return { line, col: at - start + 1, lineText: text.slice(start, end < 0 ? text.length : end).replace(/\r$/, '') };
}

/**
 * The problem lines of one YAML error: `FILE:LINE:COL: YAML message`, the
 * line (cut to a window around the column, control characters replaced) and
 * a caret under the column. Tabs before the column are kept in the caret line
 * so the caret stays under the character in any terminal.
 */
export function yamlProblemLines(file: string, text: string, err: YamlErrorLike): string[] {
  const { line, col, lineText } = lineColOf(text, err.pos[0]);
  const from = Math.max(0, col - 1 - WINDOW / 2);
  const shown = lineText.slice(from, from + WINDOW);
  const lead = from > 0 ? '…' : '';
  const gutter = `${line} | `;
  const caretPad = shown.slice(0, col - 1 - from).replace(/[^\t]/g, ' ');
  return [
    `${file}:${line}:${col}: YAML ${err.message.split('\n')[0]}`,
    `  ${gutter}${lead}${terminalLine(shown)}${from + WINDOW < lineText.length ? '…' : ''}`,
    `  ${' '.repeat(gutter.length - 2)}| ${lead ? ' ' : ''}${caretPad}^`,
  ];
}
