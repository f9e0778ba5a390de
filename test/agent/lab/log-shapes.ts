// The shape of a Mosquitto log line: its message with the values (addresses,
// ports, ids, keep-alive, OpenSSL codes) replaced by placeholders, so the lab
// broker's log can be compared line for line with what Debian's Mosquitto
// 2.0.11 really wrote (test/fixtures/broker-logs/).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CAPTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'broker-logs');

/** An epoch-stamped line: `<10 digits>: <message>`. */
export const EPOCH_LINE = /^(\d{10}): (.*)$/;

export function shapeOf(message: string): string {
  return message
    .replace(/^New connection from \S+:\d+ on port \d+\.$/, 'New connection from HOST:PORT on port PORT.')
    .replace(/^New client connected from \S+:\d+ as \S+ \(p(\d), c[01], k\d+(, u'[^']*')?\)\.$/, (_, p: string, u?: string) => `New client connected from HOST:PORT as ID (p${p}, cC, kK${u ? ", u'USER'" : ''}).`)
    .replace(/^Client (?!<unknown>)\S+ already connected, closing old connection\.$/, 'Client ID already connected, closing old connection.')
    .replace(/^Client (?!<unknown>)\S+ disconnected\.$/, 'Client ID disconnected.')
    .replace(/^OpenSSL Error\[0\]: error:[0-9A-F]{8}:SSL routines::.+$/, 'OpenSSL Error[0]: error:CODE:SSL routines::REASON')
    .replace(/^Opening (ipv4|ipv6) listen socket on port \d+\.$/, 'Opening $1 listen socket on port PORT.')
    .replace(/^Opening websockets listen socket on port \d+\.$/, 'Opening websockets listen socket on port PORT.');
}

/**
 * Shapes Mosquitto 2.0 writes that the captures did not exercise: a login
 * without a user name (its connect handler has a second format, without
 * `, u'…'`), and a WebSocket listener opening at start-up (`Opening
 * websockets listen socket on port 9001.`).
 */
const UNCAPTURED = ['New client connected from HOST:PORT as ID (p2, cC, kK).', 'Opening websockets listen socket on port PORT.'];

/** The shapes of every line Mosquitto wrote in the captures (notice and `log_type all`, epoch timestamps), and those above. */
export function mosquittoShapes(): Set<string> {
  const shapes = new Set<string>(UNCAPTURED);
  for (const f of ['mosquitto-2.0.11-notice.log', 'mosquitto-2.0.11-all.log'])
    for (const line of readFileSync(join(CAPTURES, f), 'utf8').split('\n')) {
      const m = EPOCH_LINE.exec(line);
      if (m?.[2]) shapes.add(shapeOf(m[2]));
    }
  return shapes;
}

/** The lab broker's start and stop lines: Mosquitto's name its version (`mosquitto version 2.0.11 running`); the lab's are not Mosquitto. */
export const LAB_ONLY = /^pathaudit lab broker \(aedes\) (running|terminating)$/;
