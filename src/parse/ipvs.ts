/** `ipvsadm -Sn` (save/restore form) and `ipvsadm -Ln` (table form) → IpvsService[]. */
import type { IpvsRealServer, IpvsService } from '../model/ipvs.js';
import { ParseError, type ParseWarning } from '../util/parse-error.js';
import { isIp } from '../util/addr.js';
import type { Parsed, SourceOpts } from './parsed.js';
import { splitLines, tokenize, toInt } from './text.js';

type Tok = { text: string; column: number };
type ServiceKey = { address?: string; port?: number; fwmark?: number };

/** Parses either form: a dump whose first non-blank line is an option (`-A`), not a real server (`->`), is the save form. */
export function parseIpvs(text: string, opts: SourceOpts): Parsed<IpvsService[]> {
  const first = splitLines(text).find((l) => l.trim() !== '')?.trim() ?? '';
  return first.startsWith('-') && !first.startsWith('->') ? parseSave(text, opts) : parseTable(text, opts);
}

/** `10.0.0.1:443` / `[fd00::1]:443` → address and port. */
function hostPort(tok: Tok, source: string, line: number): { address: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(tok.text) ?? /^([^:]+):(\d+)$/.exec(tok.text);
  const port = toInt(m?.[2]);
  if (!m || !isIp(m[1]!) || port === undefined || port > 65535) throw new ParseError(source, `"${tok.text}" is not ADDRESS:PORT`, line, tok.column);
  return { address: m[1]!, port };
}

// ---------------------------------------------------------------- save form

const SERVICE_FLAG: Record<string, IpvsService['protocol']> = { '-t': 'tcp', '--tcp-service': 'tcp', '-u': 'udp', '--udp-service': 'udp', '--sctp-service': 'sctp', '-f': 'fwmark', '--fwmark-service': 'fwmark' };
const FORWARD: Record<string, IpvsRealServer['forward']> = { '-m': 'masq', '--masquerading': 'masq', '-g': 'route', '--gatewaying': 'route', '-i': 'tunnel', '--ipip': 'tunnel' };

function parseSave(text: string, opts: SourceOpts): Parsed<IpvsService[]> {
  const services: IpvsService[] = [];
  const warnings: ParseWarning[] = [];
  splitLines(text).forEach((raw, i) => {
    const line = i + 1;
    const toks = tokenize(raw);
    if (toks.length === 0) return;
    const fail = (msg: string, t: Tok): never => {
      throw new ParseError(opts.source, msg, line, t.column);
    };
    const cmd = toks[0]!;
    if (cmd.text !== '-A' && cmd.text !== '-a') fail(`expected -A or -a, got "${cmd.text}"`, cmd);
    const svcFlag = toks[1] ?? fail('missing service', cmd);
    const protocol = SERVICE_FLAG[svcFlag.text] ?? fail(`expected -t, -u, --sctp-service or -f, got "${svcFlag.text}"`, svcFlag);
    const target = toks[2] ?? fail('missing service address', svcFlag);
    const key: ServiceKey = protocol === 'fwmark' ? { fwmark: toInt(target.text) ?? fail(`"${target.text}" is not a firewall mark`, target) } : hostPort(target, opts.source, line);
    if (cmd.text === '-A') {
      const svc: IpvsService = { protocol, ...key, scheduler: 'wlc', reals: [] };
      for (let k = 3; k < toks.length; k++) {
        const t = toks[k]!;
        const v = toks[k + 1];
        if (t.text === '-s' || t.text === '--scheduler') svc.scheduler = (v ?? fail('"-s" needs a scheduler', t)).text, k++;
        else if (t.text === '-p' || t.text === '--persistent') {
          const n = toInt(v?.text);
          svc.persistent = n ?? 300;
          if (n !== undefined) k++;
        } else if (t.text === '-M' || t.text === '--netmask' || t.text === '-b' || t.text === '--sched-flags' || t.text === '--pe') {
          warnings.push({ code: 'unsupported', message: `service option "${t.text} ${v?.text ?? ''}" is not modelled`, line });
          k++;
        } else if (t.text === '-o' || t.text === '--ops') warnings.push({ code: 'unsupported', message: 'one-packet scheduling (-o) is not modelled', line });
        else fail(`unknown service option "${t.text}"`, t);
      }
      services.push(svc);
      return;
    }
    const svc = services.find((s) => s.protocol === protocol && s.address === key.address && s.port === key.port && s.fwmark === key.fwmark) ?? fail(`real server for a service not declared before with -A`, target);
    const real: IpvsRealServer = { address: '', port: 0, forward: 'route', weight: 1 };
    for (let k = 3; k < toks.length; k++) {
      const t = toks[k]!;
      const v = toks[k + 1];
      if (t.text === '-r' || t.text === '--real-server') {
        const hp = v ? hostPortOrBare(v, opts.source, line) : fail('"-r" needs ADDRESS:PORT', t);
        real.address = hp.address;
        real.port = hp.port ?? svc.port ?? 0;
        k++;
      } else if (FORWARD[t.text]) real.forward = FORWARD[t.text]!;
      else if (t.text === '-w' || t.text === '--weight') real.weight = toInt(v?.text) ?? fail('"-w" needs a number', v ?? t), k++;
      else if (t.text === '-x' || t.text === '-y' || t.text === '--u-threshold' || t.text === '--l-threshold' || t.text === '--tun-type' || t.text === '--tun-port') {
        warnings.push({ code: 'unsupported', message: `real server option "${t.text}" is not modelled`, line });
        k++;
      } else fail(`unknown real server option "${t.text}"`, t);
    }
    if (!real.address) fail('real server without -r', cmd);
    svc.reals.push(real);
  });
  return { value: services, warnings };
}

/** `-r` accepts a bare address too (port then equals the service port). */
function hostPortOrBare(tok: Tok, source: string, line: number): { address: string; port?: number } {
  if (isIp(tok.text)) return { address: tok.text };
  return hostPort(tok, source, line);
}

// ---------------------------------------------------------------- table form

const PROT: Record<string, IpvsService['protocol']> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp', FWM: 'fwmark' };
const FWD: Record<string, IpvsRealServer['forward']> = { Masq: 'masq', Route: 'route', Tunnel: 'tunnel', Local: 'local' };

function parseTable(text: string, opts: SourceOpts): Parsed<IpvsService[]> {
  const services: IpvsService[] = [];
  const warnings: ParseWarning[] = [];
  splitLines(text).forEach((raw, i) => {
    const line = i + 1;
    const toks = tokenize(raw);
    if (toks.length === 0) return;
    const fail = (msg: string, t: Tok): never => {
      throw new ParseError(opts.source, msg, line, t.column);
    };
    const first = toks[0]!;
    if (first.text === 'IP' && toks[1]?.text === 'Virtual') return;
    if (first.text === 'Prot' || (first.text === '->' && toks[1]?.text === 'RemoteAddress:Port')) return;
    if (first.text === '->') {
      const svc = services[services.length - 1] ?? fail('real server line before any service', first);
      const hp = hostPort(toks[1] ?? fail('missing real server', first), opts.source, line);
      const fwdTok = toks[2] ?? fail('missing forwarding method', first);
      const forward = FWD[fwdTok.text] ?? fail(`unknown forwarding method "${fwdTok.text}"`, fwdTok);
      const num = (j: number): number => toInt(toks[j]?.text) ?? fail('expected a number', toks[j] ?? fwdTok);
      svc.reals.push({ ...hp, forward, weight: num(3), activeConns: num(4), inactiveConns: num(5) });
      return;
    }
    const protocol = PROT[first.text] ?? fail(`expected TCP, UDP, SCTP, FWM or "->", got "${first.text}"`, first);
    const target = toks[1] ?? fail('missing service address', first);
    const key = protocol === 'fwmark' ? { fwmark: toInt(target.text) ?? fail(`"${target.text}" is not a firewall mark`, target) } : hostPort(target, opts.source, line);
    const sched = toks[2] ?? fail('missing scheduler', target);
    const svc: IpvsService = { protocol, ...key, scheduler: sched.text, reals: [] };
    for (let k = 3; k < toks.length; k++) {
      const t = toks[k]!;
      if (t.text === 'persistent') {
        svc.persistent = toInt(toks[k + 1]?.text) ?? fail('"persistent" needs seconds', toks[k + 1] ?? t);
        k++;
      } else if (t.text === 'mask' || t.text === 'pe') {
        warnings.push({ code: 'unsupported', message: `service flag "${t.text} ${toks[k + 1]?.text ?? ''}" is not modelled`, line });
        k++;
      } else warnings.push({ code: 'unsupported', message: `service flag "${t.text}" is not modelled`, line });
    }
    services.push(svc);
  });
  return { value: services, warnings };
}
