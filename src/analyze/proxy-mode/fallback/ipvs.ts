/**
 * STAND-IN for src/parse/ipvs.ts. Reads virtual servers from `ipvsadm -Sn` (`-A -t addr:port -s rr`)
 * or `ipvsadm -Ln` (`TCP  addr:port rr`) with their real servers. Replace once the real parser lands.
 */
import { ParseError } from '../../../parse/error.js';
import type { Parsed } from '../../../parse/parsed.js';
import { splitLines } from '../../../parse/text.js';
import type { IpvsService } from '../../../model/ipvs.js';

const PROTO: Record<string, IpvsService['protocol']> = { '-t': 'tcp', '-u': 'udp', '--sctp-service': 'sctp', '-f': 'fwmark', TCP: 'tcp', UDP: 'udp', SCTP: 'sctp', FWM: 'fwmark' };

export function parseIpvs(text: string, opts: { source: string }): Parsed<IpvsService[]> {
  const services: IpvsService[] = [];
  splitLines(text).forEach((line, i) => {
    const t = line.trim().split(/\s+/);
    const save = t[0] === '-A' ? t : undefined;
    const list = t[0] && /^(TCP|UDP|SCTP|FWM)$/.test(t[0]) ? t : undefined;
    const real = t[0] === '-a' || t[0] === '->';
    if (save || list) {
      const proto = PROTO[(save ? t[1] : t[0]) ?? ''];
      const target = (save ? t[2] : t[1]) ?? '';
      if (!proto) throw new ParseError(opts.source, `unknown IPVS service protocol in "${line.trim()}"`, i + 1);
      const [address, port] = splitHostPort(target);
      const sched = save ? t[t.indexOf('-s') + 1] : t[2];
      services.push({ protocol: proto, address, port, scheduler: sched ?? '', reals: [] });
    } else if (real && t[1] !== 'RemoteAddress:Port') {
      const svc = services[services.length - 1];
      const target = t[0] === '-a' ? t[t.indexOf('-r') + 1] : t[1];
      if (svc && target) {
        const [address, port] = splitHostPort(target);
        svc.reals.push({ address: address ?? '', port: port ?? 0, forward: 'masq', weight: 1 });
      }
    }
  });
  return { value: services, warnings: [] };
}

function splitHostPort(s: string): [string | undefined, number | undefined] {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(s);
  return m ? [m[1], Number(m[2])] : [s, undefined];
}
