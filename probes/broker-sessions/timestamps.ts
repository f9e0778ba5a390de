// Mosquitto log timestamps. By default a line starts with epoch seconds
// (`1700000000: …`); with `log_timestamp_format` set it starts with that
// strftime(3) rendering of local time. Without a configured format, epoch
// seconds and ISO 8601 shapes are recognised per line; a configured format
// is compiled to a pattern once. Parsing is cached per prefix: a busy log
// repeats the same second on many lines.

/** A line's time in epoch seconds and where its message starts, or null when the line has no readable timestamp. */
export interface Stamped {
  epochS: number;
  /** Index of the message, after the `: ` that follows the timestamp. */
  messageAt: number;
}

export interface TimestampReader {
  /** How this reader reads timestamps, for the evidence. */
  readonly describe: string;
  read(line: string): Stamped | null;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(Z|[+-]\d{2}:?\d{2})?: /;

function offsetMinutes(z: string): number {
  if (z === 'Z') return 0;
  const sign = z[0] === '-' ? -1 : 1;
  const digits = z.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
}

/** Calendar fields → epoch seconds: with an offset when the line has one, else in this host's local time (as Mosquitto wrote it). */
function epochOf(y: number, mo: number, d: number, h: number, mi: number, s: number, offset: string | undefined): number {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return NaN;
  if (offset !== undefined) return Date.UTC(y, mo - 1, d, h, mi, s) / 1000 - offsetMinutes(offset) * 60;
  return new Date(y, mo - 1, d, h, mi, s).getTime() / 1000;
}

/** Epoch seconds (9 to 11 digits: 1973 to 5138) followed by `: `. */
function readEpoch(line: string): Stamped | null {
  let i = 0;
  let n = 0;
  while (i < line.length && i < 12) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    i++;
  }
  if (i < 9 || i > 11 || line.charCodeAt(i) !== 58 || line.charCodeAt(i + 1) !== 32) return null;
  return { epochS: n, messageAt: i + 2 };
}

/** The default: epoch seconds, else ISO 8601 (`%Y-%m-%dT%H:%M:%S` or with a space, optionally `%z`). */
export function autoTimestamps(): TimestampReader {
  let lastPrefix = '';
  let lastEpoch = 0;
  return {
    describe: 'auto: epoch seconds or ISO 8601 (%Y-%m-%dT%H:%M:%S[%z])',
    read(line) {
      const c = line.charCodeAt(0);
      if (c < 48 || c > 57) return null;
      const epoch = readEpoch(line);
      if (epoch) return epoch;
      if (lastPrefix && line.startsWith(lastPrefix)) return { epochS: lastEpoch, messageAt: lastPrefix.length };
      const m = ISO.exec(line);
      if (!m) return null;
      const epochS = epochOf(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), m[7]);
      if (!Number.isFinite(epochS)) return null;
      lastPrefix = m[0];
      lastEpoch = epochS;
      return { epochS, messageAt: m[0].length };
    },
  };
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** strftime conversions this reader understands, as pattern and field. */
const CONVERSIONS: Record<string, { re: string; field?: string }> = {
  Y: { re: '(\\d{4})', field: 'Y' },
  y: { re: '(\\d{2})', field: 'y' },
  m: { re: '(\\d{2})', field: 'm' },
  d: { re: '(\\d{2})', field: 'd' },
  e: { re: ' ?(\\d{1,2})', field: 'd' },
  H: { re: '(\\d{2})', field: 'H' },
  M: { re: '(\\d{2})', field: 'M' },
  S: { re: '(\\d{2})', field: 'S' },
  b: { re: '([A-Za-z]{3})', field: 'b' },
  z: { re: '(Z|[+-]\\d{2}:?\\d{2})', field: 'z' },
  s: { re: '(\\d{1,12})', field: 's' },
  '%': { re: '%' },
};
/** Composite conversions, expanded before compiling. */
const COMPOSITES: Record<string, string> = { F: '%Y-%m-%d', T: '%H:%M:%S', D: '%m/%d/%y', R: '%H:%M' };

/**
 * A reader for the broker's configured `log_timestamp_format`. Throws an
 * error naming the setting when the format uses a conversion this reader does
 * not know or cannot place a line in time (no date, or no time of day).
 */
export function formatTimestamps(format: string, key: string): TimestampReader {
  const expanded = format.replace(/%([FTDR])/g, (_, c: string) => COMPOSITES[c] ?? '');
  const fields: string[] = [];
  let re = '^';
  for (let i = 0; i < expanded.length; i++) {
    const ch = expanded.charAt(i);
    if (ch !== '%') {
      re += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      continue;
    }
    const conv = expanded.charAt(++i);
    const c = CONVERSIONS[conv];
    if (!c) throw new Error(`${key} "${format}": %${conv} is not a conversion broker-sessions reads (known: %Y %y %m %d %e %b %H %M %S %z %s %F %T %D %R %%)`);
    re += c.re;
    if (c.field) fields.push(c.field);
  }
  const has = (f: string) => fields.includes(f);
  if (!has('s') && (!(has('Y') || has('y')) || !(has('m') || has('b')) || !has('d') || !has('H') || !has('M')))
    throw new Error(`${key} "${format}": a timestamp needs a year, month, day, hour and minute (or %s) for lines to be placed in the window`);
  const pattern = new RegExp(`${re}: `);
  let lastPrefix = '';
  let lastEpoch = 0;
  return {
    describe: `configured: ${format}`,
    read(line) {
      if (lastPrefix && line.startsWith(lastPrefix)) return { epochS: lastEpoch, messageAt: lastPrefix.length };
      const m = pattern.exec(line);
      if (!m) return null;
      const v: Record<string, string> = {};
      fields.forEach((f, i) => (v[f] = m[i + 1] ?? ''));
      let epochS: number;
      if (v.s !== undefined) epochS = Number(v.s);
      else {
        const month = v.m !== undefined ? Number(v.m) : MONTHS.indexOf((v.b ?? '').toLowerCase()) + 1;
        const year = v.Y !== undefined ? Number(v.Y) : 2000 + Number(v.y);
        epochS = epochOf(year, month, Number(v.d), Number(v.H), Number(v.M), Number(v.S ?? 0), v.z);
      }
      if (!Number.isFinite(epochS)) return null;
      lastPrefix = m[0];
      lastEpoch = epochS;
      return { epochS, messageAt: m[0].length };
    },
  };
}
