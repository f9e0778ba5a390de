// Hostile targets on loopback for the reliability suite: servers that accept
// and never answer, drip bytes, hang up after CONNECT, flood headers or a body
// without end, or present a certificate with absurd fields. Each one counts
// what it sent (so a test can show the probe stopped reading) and is closed,
// with every socket it accepted, in the test's teardown.
import net from 'node:net';
import tls from 'node:tls';
/** What the servers need of a test: somewhere to register their teardown. */
export interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface Hostile {
  port: number;
  /** Connections accepted so far. */
  accepted: number;
  /** Bytes handed to the kernel for all connections so far. */
  bytesSent(): number;
}

async function listen(t: Teardown, server: net.Server, sockets: Set<net.Socket>, counter: { accepted: number; sent: number }): Promise<Hostile> {
  server.on('connection', (s: net.Socket) => {
    counter.accepted++;
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => {
      counter.sent += s.bytesWritten;
      sockets.delete(s);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get accepted() {
      return counter.accepted;
    },
    bytesSent: () => counter.sent + [...sockets].reduce((n, s) => n + s.bytesWritten, 0),
  };
}

/** Accepts TCP, reads whatever comes, never answers. */
export function blackHole(t: Teardown): Promise<Hostile> {
  const sockets = new Set<net.Socket>();
  const counter = { accepted: 0, sent: 0 };
  const server = net.createServer((s) => s.resume());
  return listen(t, server, sockets, counter);
}

/** Writes `bytes` one at a time every `everyMs`, then a byte every `everyMs` forever, until the peer goes. */
function drip(s: net.Socket, first: Buffer, everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (s.destroyed || !s.writable) return clearInterval(timer);
    s.write(i < first.length ? first.subarray(i, i + 1) : Buffer.from([0]));
    i++;
  }, everyMs);
  s.on('close', () => clearInterval(timer));
}

/**
 * A "TLS server" that drips: the first bytes of a handshake record header
 * announcing 16 KiB (type 22, TLS 1.2, length 0x4000), then a zero byte every
 * 500 ms forever. A client waiting for the whole record would wait ~2 hours.
 */
export function slowDripTls(t: Teardown, everyMs = 500): Promise<Hostile> {
  const sockets = new Set<net.Socket>();
  const counter = { accepted: 0, sent: 0 };
  const server = net.createServer((s) => {
    s.resume();
    drip(s, Buffer.from([0x16, 0x03, 0x03, 0x40, 0x00, 0x02]), everyMs);
  });
  return listen(t, server, sockets, counter);
}

/** An "MQTT broker" that reads the first CONNECT packet (type 1, MQTT-3.1.0-1) and hangs up without a CONNACK. */
export function closeAfterConnect(t: Teardown): Promise<Hostile & { connects: number }> {
  const sockets = new Set<net.Socket>();
  const counter = { accepted: 0, sent: 0, connects: 0 };
  const server = net.createServer((s) => {
    s.once('data', (d: Buffer) => {
      if (d[0]! >> 4 === 1) counter.connects++;
      s.destroy();
    });
  });
  // defineProperty, not Object.assign: assign would copy the getter's value once.
  return listen(t, server, sockets, counter).then((h) => Object.defineProperty(h, 'connects', { get: () => counter.connects }) as Hostile & { connects: number });
}

/** Writes chunks from `next()` while the peer reads (backpressure respected), until `next` returns null or the peer goes. */
function pump(s: net.Socket, next: () => Buffer | null): void {
  const go = () => {
    for (;;) {
      if (s.destroyed) return;
      const chunk = next();
      if (!chunk) return void s.end();
      if (!s.write(chunk)) return void s.once('drain', go);
    }
  };
  go();
}

/** On the first request bytes, answers with a status line and then `total` bytes of header lines (default 10 MiB). */
export function hugeHeaders(t: Teardown, total = 10 * 1024 * 1024): Promise<Hostile> {
  const sockets = new Set<net.Socket>();
  const counter = { accepted: 0, sent: 0 };
  const server = net.createServer((s) => {
    s.once('data', () => {
      s.resume();
      let sent = 0;
      let n = 0;
      let started = false;
      pump(s, () => {
        if (!started) {
          started = true;
          return Buffer.from('HTTP/1.1 202 Accepted\r\nContent-Type: text/plain\r\n');
        }
        if (sent >= total) return null;
        const line = Buffer.from(`X-Pad-${n++}: ${'a'.repeat(1000)}\r\n`);
        sent += line.length;
        return line;
      });
    });
  });
  return listen(t, server, sockets, counter);
}

/** On the first request bytes, answers 202 with a chunked body that never ends (64 KiB chunks as fast as the peer reads). */
export function endlessBody(t: Teardown): Promise<Hostile> {
  const sockets = new Set<net.Socket>();
  const counter = { accepted: 0, sent: 0 };
  const chunk = Buffer.concat([Buffer.from(`10000\r\n`), Buffer.alloc(0x10000, 0x61), Buffer.from('\r\n')]);
  const server = net.createServer((s) => {
    s.once('data', () => {
      s.resume();
      let first = true;
      pump(s, () => {
        if (first) {
          first = false;
          return Buffer.from('HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
        }
        return chunk;
      });
    });
  });
  return listen(t, server, sockets, counter);
}

/** A real TLS server with the given key and certificate; `ciphers` may lower OpenSSL's security level so a tiny key loads at all. */
export function tlsServer(t: Teardown, opts: { key: string; cert: string; ciphers?: string }): Promise<Hostile> {
  const sockets = new Set<net.Socket>();
  const counter = { accepted: 0, sent: 0 };
  const server = tls.createServer({ key: opts.key, cert: opts.cert, ciphers: opts.ciphers, minVersion: 'TLSv1.2' }, (s) => {
    s.on('error', () => {});
    s.resume();
  });
  server.on('tlsClientError', () => {});
  return listen(t, server, sockets, counter);
}

export type HostileKind = 'blackHole' | 'closeAfterConnect' | 'endlessBody' | 'hugeHeaders' | 'slowDripTls';

export interface RemoteHostile {
  port: number;
  /** The server's counters, asked over stdin. */
  stats(): Promise<{ accepted: number; sent: number; connects: number }>;
}

/**
 * Starts a hostile server in a child process (hostile-child.ts, same Node
 * flags as this process so TypeScript loads the same way) and stops it in
 * the teardown.
 */
export async function remoteHostile(t: Teardown, kind: HostileKind): Promise<RemoteHostile> {
  const { spawn } = await import('node:child_process');
  const { createInterface } = await import('node:readline');
  const child = spawn(process.execPath, [...process.execArgv, new URL('./hostile-child.ts', import.meta.url).pathname, kind], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, number>> => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    try {
      const { value, done } = await lines.next();
      if (done) throw new Error(`hostile server ${kind} exited before answering`);
      return JSON.parse(value) as Record<string, number>;
    } finally {
      clearTimeout(timer);
    }
  };
  const { port } = await next();
  return {
    port: port!,
    stats: async () => {
      child.stdin.write('stats\n');
      return (await next()) as { accepted: number; sent: number; connects: number };
    },
  };
}
