// Escaping for each output language, in one place. What a report quotes from
// the path — certificate subjects, client ids, log lines, HTTP headers,
// payload excerpts, file names — is untrusted text: it must come out as the
// same text, never as markup of the report's language.

// XML 1.0 forbids most C0 controls even as character references.
// eslint-disable-next-line no-control-regex
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/**
 * XML text and attribute values. Line breaks and tabs become character
 * references so an attribute keeps them (a parser would normalise a raw one
 * to a space).
 */
export function escapeXml(s: string): string {
  return s
    .replace(XML_INVALID, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
/** Bidirectional overrides and isolates: they reorder how the text around them is shown. */
const BIDI = /[\u202A-\u202E\u2066-\u2069]/g;

/**
 * Inline Markdown (CommonMark/GFM, as markdown-it and GitHub render it) that
 * shows exactly `s`: every character that can open markup is backslash-escaped
 * — the backslash first of all, so a `\` already in the text (a DN's own
 * escape) can never turn the next escape into a literal and leave a `<` live —
 * line breaks are flattened, and a line-start marker (heading, list, quote,
 * setext underline) loses its meaning.
 */
export function mdText(s: string): string {
  const flat = s.replace(/\r\n|\r|\n|\t/g, ' ').replace(CONTROLS, '\uFFFD').replace(/^\s+/, '');
  // ASCII punctuation that starts inline markup, raw HTML, entities, autolinks, strikethrough or a table cell.
  const inline = flat.replace(/[\\`*_[\]<>|~&!]/g, '\\$&');
  return inline.replace(/^[#+=-]/, '\\$&').replace(/^(\d+)([.)])/, '$1\\$2');
}

/** A Markdown table cell: the same as inline text (the pipe is escaped there too). */
export function mdCell(s: string): string {
  return mdText(s);
}

/**
 * A Markdown code span holding `s` verbatim: fenced with one backtick more than
 * the longest run inside it (CommonMark §6.1), padded when it starts or ends
 * with a backtick. Nothing inside a code span is markup.
 */
export function mdCode(s: string): string {
  const flat = s.replace(/\r\n|\r|\n/g, ' ').replace(CONTROLS, '\uFFFD');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat === '' ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** Characters a spreadsheet reads as the start of a formula (or DDE command), and line starts it may skip. */
const FORMULA_START = /^[=+\-@\t\r\n]/;

/**
 * An RFC 4180 CSV field. A text cell starting with = + - @ (or a tab or line
 * break a spreadsheet may skip) is prefixed with ' so it is never evaluated as
 * a formula (OWASP CSV injection); numbers stay numbers.
 */
export function csvField(value: string | number): string {
  let s = String(value);
  if (typeof value === 'string' && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * One line of terminal text: control characters (an ESC starts a terminal
 * command) and bidirectional overrides are replaced, and a line break inside
 * quoted text cannot start a line of its own (a forged "PASS …" line).
 */
export function terminalLine(s: string): string {
  return s.replace(/\r\n|\r|\n/g, ' ⏎ ').replace(CONTROLS, '\uFFFD').replace(BIDI, '\uFFFD');
}

export function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * Our own texts (remediations, verifications, next-run lines) mark commands
 * and file contents as `code`, one backtick each side. Split so each part can
 * be escaped on its own: a code part holds no backtick, and a stray backtick
 * (an odd one, or one in probed text quoted inside) stays in the text.
 */
function inlineParts(s: string): Array<{ code: boolean; text: string }> {
  const parts: Array<{ code: boolean; text: string }> = [];
  const re = /(?<!`)`([^`\r\n]+)`(?!`)/g;
  let at = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m.index > at) parts.push({ code: false, text: s.slice(at, m.index) });
    parts.push({ code: true, text: m[1]! });
    at = m.index + m[0].length;
  }
  if (at < s.length) parts.push({ code: false, text: s.slice(at) });
  return parts;
}

/** Markdown of a text with `code` spans: code spans as mdCode (verbatim), the rest as mdText (every markup character escaped). */
export function mdInline(s: string): string {
  return inlineParts(s)
    // mdText drops leading blanks (a line's indent could start a code block): mid-line, keep one.
    .map((p, i) => (p.code ? mdCode(p.text) : `${i > 0 && /^\s/.test(p.text) ? ' ' : ''}${mdText(p.text)}`))
    .join('');
}

/** HTML of a text with `code` spans: each code span a <code> element, everything escaped. */
export function htmlInline(s: string): string {
  return inlineParts(s)
    .map((p) => (p.code ? `<code>${escapeHtml(p.text)}</code>` : escapeHtml(p.text)))
    .join('');
}
