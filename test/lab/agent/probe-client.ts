/**
 * Runs inside a pod (or underlay) namespace: makes N connections (TCP) or request datagrams (UDP)
 * to host:port and prints one JSON line per attempt with what the kernel answered. Started by the
 * oracle with the repo's pinned node: `ip netns exec NS node probe-client.ts '<json args>'`.
 */
import net from 'node:net';
import dgram from 'node:dgram';

interface Args {
  protocol: 'TCP' | 'UDP';
  host: string;
  port: number;
  count: number;
  timeoutMs: number;
  /** Pause between attempts (ICMP errors are rate-limited by the kernel). */
  gapMs: number;
  /** Fixed source port (to hit an existing conntrack entry); random when absent. */
  sourcePort?: number;
}

type Attempt =
  | { kind: 'answered'; body: string; localPort: number }
  | { kind: 'refused'; localPort?: number }
  | { kind: 'reset' }
  | { kind: 'unreachable'; code: string }
  | { kind: 'timeout'; localPort?: number }
  | { kind: 'error'; code: string };

const errKind = (code: string | undefined): Attempt => {
  if (code === 'ECONNREFUSED') return { kind: 'refused' };
  if (code === 'ECONNRESET' || code === 'EPIPE') return { kind: 'reset' };
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EACCES' || code === 'EPERM') {
    return { kind: 'unreachable', code };
  }
  if (code === 'ETIMEDOUT') return { kind: 'timeout' };
  return { kind: 'error', code: code ?? 'unknown' };
};

function tcpAttempt(a: Args): Promise<Attempt> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: a.host, port: a.port, ...(a.sourcePort ? { localPort: a.sourcePort } : {}) });
    let body = '';
    let localPort = 0;
    const done = (r: Attempt): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ kind: 'timeout', localPort }), a.timeoutMs);
    sock.on('connect', () => {
      localPort = sock.localPort ?? 0;
    });
    sock.on('data', (b: Buffer) => {
      body += b.toString('utf8');
    });
    sock.on('end', () => done({ kind: 'answered', body: body.trim(), localPort }));
    sock.on('error', (e: NodeJS.ErrnoException) => done(errKind(e.code)));
  });
}

function udpAttempt(a: Args): Promise<Attempt> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket({ type: net.isIPv6(a.host) ? 'udp6' : 'udp4', reuseAddr: true });
    let localPort = 0;
    let finished = false;
    const done = (r: Attempt): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.close();
      resolve(r);
    };
    const timer = setTimeout(() => done({ kind: 'timeout', localPort }), a.timeoutMs);
    sock.on('message', (m: Buffer) => done({ kind: 'answered', body: m.toString('utf8').trim(), localPort }));
    // A connected UDP socket reports ICMP port-unreachable as ECONNREFUSED.
    sock.on('error', (e: NodeJS.ErrnoException) => done(errKind(e.code)));
    const start = (): void => sock.connect(a.port, a.host, () => {
      localPort = sock.address().port;
      sock.send('probe\n', (e) => {
        if (e) done(errKind((e as NodeJS.ErrnoException).code));
      });
    });
    if (a.sourcePort) sock.bind(a.sourcePort, start);
    else start();
  });
}

async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2] ?? '{}') as Args;
  for (let i = 0; i < a.count; i++) {
    const r = a.protocol === 'TCP' ? await tcpAttempt(a) : await udpAttempt(a);
    process.stdout.write(JSON.stringify(r) + '\n');
    if (a.gapMs > 0 && i + 1 < a.count) await new Promise((res) => setTimeout(res, a.gapMs));
  }
}

await main();
