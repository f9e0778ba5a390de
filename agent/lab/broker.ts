// Lab MQTT brokers (aedes, in-process, loopback, ephemeral ports). Two named
// profiles — weak and hardened — are knob sets; tests flip single knobs to
// make exactly one control fail.
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { Aedes, type Client } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { MESSAGES, opensslErrorOf, type MosquittoLog } from './broker-log.js';
import type { Issued } from './certs.js';
import { topicMatches } from '../../probes/mqtt-topic.js';

export interface BrokerKnobs {
  /** Plain MQTT listener (BT-01). */
  plaintext: boolean;
  /** TLS listener settings (BT-03/04/05); false for none. */
  tls: false | { minVersion: tls.SecureVersion; ciphers?: string };
  /** Plain WebSocket listener (BT-08). */
  websocket: boolean;
  /** Accept CONNECT without credentials (BT-02). */
  anonymous: boolean;
  /** Accept any user name/password pair (BT-07). */
  acceptAnyPassword: boolean;
  /** Deny SUBSCRIBE to `#` and `$SYS/#` (BT-06). */
  denyWildcard: boolean;
  /** Further filters whose SUBSCRIBE is refused (SUBACK 0x80), e.g. `#` alone. */
  refuseSubscribe: string[];
  /** Address the listeners bind to (default 127.0.0.1). */
  bindHost: string;
  /**
   * Client certificates on the TLS listener: none asked; or required (mutual
   * TLS: a client without a certificate from opts.deviceCa is refused in the
   * handshake, as Mosquitto's `require_certificate true`).
   */
  clientCertificate: 'none' | 'required';
  /** Take the identity from a verified client certificate and check no password (Mosquitto's `use_identity_as_username true`). */
  certificateIdentity: boolean;
  /**
   * Mosquitto-style read ACL for every authenticated client: each SUBSCRIBE is
   * granted and only messages on these filters are delivered; null: no filter.
   * Anonymous clients are not filtered.
   */
  readAcl: string[] | null;
}

/** What Node offers by default plus everything OpenSSL disables at level 1: an old Mosquitto's behaviour. */
export const LEGACY_SERVER_CIPHERS = 'DEFAULT:@SECLEVEL=0';
/** ECDHE + AEAD only on TLS 1.2 (TLS 1.3 suites are configured separately and are all AEAD). */
export const HARDENED_CIPHERS = 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305';

export const PROFILES: Record<'weak' | 'hardened', BrokerKnobs> = {
  weak: {
    plaintext: true,
    tls: { minVersion: 'TLSv1', ciphers: LEGACY_SERVER_CIPHERS },
    websocket: true,
    anonymous: true,
    acceptAnyPassword: true,
    denyWildcard: false,
    bindHost: '127.0.0.1',
    refuseSubscribe: [],
    clientCertificate: 'none',
    certificateIdentity: false,
    readAcl: null,
  },
  hardened: {
    plaintext: false,
    tls: { minVersion: 'TLSv1.2', ciphers: HARDENED_CIPHERS },
    websocket: false,
    anonymous: false,
    acceptAnyPassword: false,
    denyWildcard: true,
    bindHost: '127.0.0.1',
    refuseSubscribe: [],
    clientCertificate: 'none',
    certificateIdentity: false,
    readAcl: null,
  },
};

export interface LabListener {
  name: string;
  port: number;
  tls: boolean;
  websocket?: boolean;
}

export interface LabBroker {
  broker: Aedes;
  listeners: LabListener[];
  /** Users the broker accepts (the probe identity and devices). */
  users: Map<string, string>;
  /** Every CONNECT the broker authenticated, with the user name it carried and whether it came over TLS (a broker's connection log). */
  logins: Array<{ username: string | null; tls: boolean }>;
  /** The broker's own log in Mosquitto's format, when it was started with one. */
  log: MosquittoLog | null;
  close(): Promise<void>;
}

export interface StartBrokerOptions {
  knobs: BrokerKnobs;
  server?: Issued;
  users?: Record<string, string>;
  /** Fixed ports per listener name (to restart a profile on the same ports); 0 or absent = ephemeral. */
  ports?: Partial<Record<'mqtt' | 'mqtts' | 'ws', number>>;
  /** Device CA: when set, the TLS listener also asks for client certificates (optional unless knobs.clientCertificate is required). */
  deviceCa?: Issued;
  /** Where the broker logs connections, takeovers, refused logins and TLS failures as Mosquitto does (kept across restarts). */
  log?: MosquittoLog;
}

/** How the lab broker names itself where Mosquitto writes `mosquitto version 2.0.11 running`: it is not Mosquitto. */
const LAB_BROKER_NAME = 'pathaudit lab broker (aedes)';

/** Who a connected client authenticated as (set in authenticate). */
const identities = new WeakMap<object, string | null>();

function listen(server: net.Server, host: string, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as net.AddressInfo).port));
  });
}

/** What a client asked for in its CONNECT, for its `New client connected` line. */
const connects = new WeakMap<object, { protocolVersion: number; clean: boolean; keepalive: number }>();

/** The peer of a client's connection: the TCP socket (or, over WebSocket, the upgraded request's socket). */
function peerOf(client: Client): { host: string; port: number } {
  const s = (client.req?.socket ?? client.conn) as Partial<net.Socket>;
  return { host: s.remoteAddress ?? '?', port: s.remotePort ?? 0 };
}

export async function startLabBroker(opts: StartBrokerOptions): Promise<LabBroker> {
  const k = opts.knobs;
  const users = new Map(Object.entries(opts.users ?? {}));
  const broker = await Aedes.createBroker({ heartbeatInterval: 1000 });
  const logins: LabBroker['logins'] = [];
  const log = opts.log ?? null;
  // The broker's sessions by client id, to log a takeover as Mosquitto does:
  // the new session's line, and no disconnect line for the session it closes.
  const live = new Map<string, Client>();
  const takenOver = new WeakSet<Client>();
  broker.preConnect = (client, packet, done) => {
    connects.set(client, { protocolVersion: packet.protocolVersion ?? 4, clean: packet.clean !== false, keepalive: packet.keepalive ?? 0 });
    done(null, true);
  };
  broker.authenticate = (client, username, password, done) => {
    const socket = (client as unknown as { conn?: { authorized?: boolean; encrypted?: boolean; getPeerCertificate?: () => { subject?: { CN?: string } } } }).conn;
    logins.push({ username: username ?? null, tls: Boolean(socket?.encrypted) });
    const accept = () => {
      // aedes closes the older session with this id once the new one is set up (MQTT-3.1.4-2).
      const old = live.get(client.id);
      if (old && old !== client) {
        takenOver.add(old);
        log?.write(MESSAGES.takeover(client.id));
      }
      done(null, true);
    };
    // Mosquitto 2.0 names no client here: the id is set only once the login is accepted.
    const refuse = (err: Error | null) => {
      log?.write(MESSAGES.notAuthorised());
      done(err as never, false);
    };
    if (k.certificateIdentity && socket?.authorized) {
      identities.set(client, socket.getPeerCertificate?.().subject?.CN ?? 'certificate');
      return accept();
    }
    identities.set(client, username ?? null);
    if (!username) return k.anonymous ? accept() : refuse(null);
    if (k.acceptAnyPassword) return accept();
    const ok = users.get(username) === password?.toString();
    if (ok) return accept();
    refuse(Object.assign(new Error('bad user name or password'), { returnCode: 4 }));
  };
  broker.on('client', (client) => {
    live.set(client.id, client);
    const { host, port } = peerOf(client);
    const c = connects.get(client) ?? { protocolVersion: 4, clean: true, keepalive: 0 };
    const username = identities.get(client) ?? null;
    log?.write(MESSAGES.connected(host, port, client.id, { ...c, username }));
  });
  broker.on('clientDisconnect', (client) => {
    if (live.get(client.id) === client) live.delete(client.id);
    if (!takenOver.has(client)) log?.write(MESSAGES.disconnected(client.id));
  });
  broker.authorizeSubscribe = (_client, sub, done) => {
    if (k.denyWildcard && (sub.topic === '#' || sub.topic.startsWith('$SYS'))) return done(null, null);
    if (k.refuseSubscribe.includes(sub.topic)) return done(null, null);
    done(null, sub);
  };
  if (k.readAcl) {
    const acl = k.readAcl;
    broker.authorizeForward = (client, packet) => (identities.get(client) && !acl.some((f) => topicMatches(f, packet.topic)) ? null : packet);
  }

  // A gateway usually holds retained status messages; they make topic
  // readability observable at once (BT-06) without waiting for traffic.
  await new Promise<void>((r) =>
    broker.publish({ cmd: 'publish', topic: 'gateway/status', payload: Buffer.from('online'), qos: 0, retain: true, dup: false } as never, () => r()),
  );
  // Mosquitto keeps its $SYS tree retained; the lab does the same for one topic.
  await new Promise<void>((r) =>
    broker.publish({ cmd: 'publish', topic: '$SYS/broker/version', payload: Buffer.from('aedes (pathaudit lab)'), qos: 0, retain: true, dup: false } as never, () => r()),
  );
  const servers: Array<net.Server | http.Server> = [];
  const sockets = new Set<net.Socket>();
  const track = (s: net.Server) => s.on('connection', (c: net.Socket) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
    log?.write(MESSAGES.accepted(c.remoteAddress ?? '?', c.remotePort ?? 0, c.localPort ?? 0));
  });
  const listeners: LabListener[] = [];
  try {
    if (k.plaintext) {
      const s = net.createServer(broker.handle);
      track(s);
      servers.push(s);
      listeners.push({ name: 'mqtt', port: await listen(s, k.bindHost, opts.ports?.mqtt), tls: false });
    }
    if (k.tls) {
      if (!opts.server) throw new Error('a TLS listener needs a server certificate (opts.server)');
      if (k.clientCertificate === 'required' && !opts.deviceCa) throw new Error('a listener that requires client certificates needs opts.deviceCa');
      const s = tls.createServer(
        {
          key: opts.server.keyPem,
          cert: opts.server.certPem,
          minVersion: k.tls.minVersion,
          ciphers: k.tls.ciphers,
          ca: opts.deviceCa?.certPem,
          requestCert: Boolean(opts.deviceCa),
          rejectUnauthorized: k.clientCertificate === 'required',
        },
        broker.handle,
      );
      // A failed handshake is the probe doing its job, not a lab error; the log says what OpenSSL said.
      s.on('tlsClientError', (err) => {
        const error = opensslErrorOf(err);
        if (!error) return;
        log?.write(MESSAGES.opensslError(error));
        log?.write(MESSAGES.protocolError());
      });
      track(s);
      servers.push(s);
      listeners.push({ name: 'mqtts', port: await listen(s, k.bindHost, opts.ports?.mqtts), tls: true });
    }
    if (k.websocket) {
      const s = http.createServer();
      track(s);
      const wss = new WebSocketServer({ server: s });
      wss.on('connection', (socket, req) => broker.handle(createWebSocketStream(socket), req));
      servers.push(s);
      listeners.push({ name: 'ws', port: await listen(s, k.bindHost, opts.ports?.ws), tls: false, websocket: true });
    }
  } catch (err) {
    // A listener that cannot start (bad PEM, a key OpenSSL refuses) must not
    // leave the broker's timers keeping the process alive.
    for (const c of sockets) c.destroy();
    for (const srv of servers) srv.close();
    await new Promise<void>((r) => broker.close(() => r()));
    throw err;
  }
  for (const l of listeners) log?.write(MESSAGES.listening(l.websocket ? 'websockets' : net.isIPv6(k.bindHost) ? 'ipv6' : 'ipv4', l.port));
  log?.write(`${LAB_BROKER_NAME} running`);
  return {
    broker,
    listeners,
    users,
    logins,
    log,
    close: async () => {
      for (const c of sockets) c.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
      await new Promise<void>((r) => broker.close(() => r()));
      log?.write(`${LAB_BROKER_NAME} terminating`);
    },
  };
}
