/**
 * Runs inside a pod namespace: listens on the given TCP and UDP ports and answers every connection
 * or datagram with the pod's name. One process per pod (socat's UDP fork mode loses datagrams
 * to its own children). Usage: `node server.ts '{"name":"web-0","ports":[{"protocol":"TCP","port":8080}]}'`.
 */
import net from 'node:net';
import dgram from 'node:dgram';

interface Args {
  name: string;
  ports: { protocol: 'TCP' | 'UDP'; port: number }[];
  /** Dual-stack pods: also listen on [::] (IPv6 only, beside the IPv4 socket). */
  ipv6?: boolean;
}

const a = JSON.parse(process.argv[2] ?? '{}') as Args;
const reply = `${a.name}\n`;
let pending = a.ports.length * (a.ipv6 ? 2 : 1);
const ready = (): void => {
  pending -= 1;
  if (pending === 0) process.stdout.write('ready\n');
};
for (const p of a.ports) {
  if (p.protocol === 'TCP') {
    const srv = net.createServer((sock) => {
      sock.on('error', () => undefined);
      sock.end(reply);
    });
    srv.listen({ port: p.port, host: '0.0.0.0', exclusive: true }, ready);
    if (a.ipv6) {
      const srv6 = net.createServer((sock) => {
        sock.on('error', () => undefined);
        sock.end(reply);
      });
      srv6.listen({ port: p.port, host: '::', ipv6Only: true, exclusive: true }, ready);
    }
  } else {
    const sock = dgram.createSocket('udp4');
    sock.on('message', (_m, rinfo) => sock.send(reply, rinfo.port, rinfo.address));
    sock.bind(p.port, '0.0.0.0', ready);
    if (a.ipv6) {
      const sock6 = dgram.createSocket({ type: 'udp6', ipv6Only: true });
      sock6.on('message', (_m, rinfo) => sock6.send(reply, rinfo.port, rinfo.address));
      sock6.bind(p.port, '::', ready);
    }
  }
}
if (a.ports.length === 0) process.stdout.write('ready\n');
