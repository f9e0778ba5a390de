// Listening sockets for GG-03, from the kernel's table under the root
// (probes/net.ts reads /proc/net/tcp{,6} directly: no `ss` binary, and it works
// on a fixture or image that carries a captured table).
import { relative } from 'node:path';
import { listeningSockets, type ListeningSocket } from '../net.js';
import { absent, type Observation } from '../evidence.js';
import type { SystemView } from '../system.js';
import { socketResource } from './evidence.js';
import { compareText } from '../compare.js';

export interface SocketFacts {
  /** Files the table came from, as paths on the audited system. */
  source: string[];
  sockets: Array<Pick<ListeningSocket, 'family' | 'address' | 'port' | 'uid'>>;
}

export type SocketsEvidence = Observation<SocketFacts>;

export async function collectSockets(view: SystemView): Promise<SocketsEvidence> {
  const table = await listeningSockets(view.root);
  if (!table) return absent(`no socket table: neither proc/net/tcp nor proc/net/tcp6 readable under ${view.root}`);
  // SO_REUSEPORT workers each get a row for the same address and port: one resource is enough.
  const seen = new Set<string>();
  const sockets = table.sockets
    .map(({ family, address, port, uid }) => ({ family, address, port, uid }))
    .filter((s) => {
      const id = socketResource(s);
      return seen.has(id) ? false : (seen.add(id), true);
    })
    .sort((a, b) => a.port - b.port || a.family - b.family || compareText(a.address, b.address));
  // Sources as paths on the audited system (the root is its own evidence record).
  const source = table.source.map((p) => `/${relative(view.root, p)}`);
  return { state: 'observed', source, sockets };
}
