/**
 * IPVS schedulers as the kernel's own choose (net/netfilter/ipvs/ip_vs_{rr,wrr,lc,wlc,sed,nq,fo}.c): a connection's
 * overhead is activeconns × 256 + inactconns (ip_vs_dest_conn_overhead), wlc compares overhead / weight, sed and nq
 * (active + 1) / weight with nq taking the first idle server, fo the highest weight; a weight of 0 takes nothing new.
 * The kernel here has no IPVS, so the expectations are the sources' arithmetic worked by hand.
 */
import { describe, expect, it } from 'vitest';
import type { IpvsRealServer, IpvsService } from '../../src/model/ipvs.js';
import { describeReal, describeVirtual, schedule } from '../../src/sim/ipvs.js';

const real = (address: string, weight: number, active?: number, inactive?: number, forward: IpvsRealServer['forward'] = 'masq'): IpvsRealServer => ({
  address,
  port: 8080,
  forward,
  weight,
  ...(active !== undefined ? { activeConns: active } : {}),
  ...(inactive !== undefined ? { inactiveConns: inactive } : {}),
});

/** A: weight 1, 2 active + 10 inactive (overhead 522); B: weight 3, 3 active (overhead 768); C: weight 0. */
const REALS = [real('10.0.0.1', 1, 2, 10), real('10.0.0.2', 3, 3, 0), real('10.0.0.3', 0, 0, 0)];
const svc = (scheduler: string, reals = REALS): IpvsService => ({ protocol: 'tcp', address: '10.96.0.10', port: 80, scheduler, reals });
const odds = (scheduler: string, reals = REALS): Record<string, number> => Object.fromEntries(schedule(svc(scheduler, reals)).choices.map((c) => [c.real.address, c.probability]));

describe('IPVS schedulers choose as the kernel does', () => {
  it('rr takes the servers in turn, wrr in proportion to their weights; weight 0 takes nothing', () => {
    expect(odds('rr')).toEqual({ '10.0.0.1': 0.5, '10.0.0.2': 0.5 });
    expect(odds('wrr')).toEqual({ '10.0.0.1': 0.25, '10.0.0.2': 0.75 });
    expect(schedule(svc('rr')).note).toBe('rr: real servers take new connections in turn, each 1 of every 2; 1 real server(s) with weight 0 take no new connections');
  });

  it('lc: the smallest overhead (522 < 768); wlc: the smallest overhead per weight (768/3 < 522/1)', () => {
    expect(odds('lc')).toEqual({ '10.0.0.1': 1 });
    expect(odds('wlc')).toEqual({ '10.0.0.2': 1 });
    expect(schedule(svc('wlc')).note).toBe("wlc: the least loaded real server by the dump's connection counts; 1 real server(s) with weight 0 take no new connections");
  });

  it('sed: the smallest (active + 1) / weight (4/3 < 3/1); nq: the first idle server, else as sed', () => {
    expect(odds('sed')).toEqual({ '10.0.0.2': 1 });
    expect(odds('nq')).toEqual({ '10.0.0.2': 1 });
    expect(odds('nq', [real('10.0.0.1', 1, 5, 0), real('10.0.0.2', 9, 1, 0), real('10.0.0.4', 1, 0, 7), real('10.0.0.5', 1, 0, 0)])).toEqual({ '10.0.0.4': 1 });
  });

  it('wlc counts inactive connections (1/256 of an active one), sed and nq only active ones', () => {
    // A: 1 active (overhead 256, sed load 2); B: 300 inactive (overhead 300, sed load 1); equal weights.
    const reals = [real('10.0.0.1', 1, 1, 0), real('10.0.0.2', 1, 0, 300)];
    expect(odds('wlc', reals)).toEqual({ '10.0.0.1': 1 });
    expect(odds('lc', reals)).toEqual({ '10.0.0.1': 1 });
    expect(odds('sed', reals)).toEqual({ '10.0.0.2': 1 });
    expect(odds('nq', reals)).toEqual({ '10.0.0.2': 1 });
  });

  it('ties go to the first server listed, as the kernel walks its list', () => {
    const tied = [real('10.0.0.1', 2, 1, 0), real('10.0.0.2', 2, 1, 0)];
    for (const s of ['lc', 'wlc', 'sed', 'nq']) expect(odds(s, tied), s).toEqual({ '10.0.0.1': 1 });
    // wlc weighs: the same overhead on a heavier server is less load.
    expect(odds('wlc', [real('10.0.0.1', 1, 1, 0), real('10.0.0.2', 2, 1, 0)])).toEqual({ '10.0.0.2': 1 });
    expect(odds('lc', [real('10.0.0.1', 1, 1, 0), real('10.0.0.2', 2, 1, 0)])).toEqual({ '10.0.0.1': 1 });
  });

  it('without connection counts, the least-connection schedulers are shown by weight and say what to collect', () => {
    const uncounted = [real('10.0.0.1', 1), real('10.0.0.2', 3)];
    for (const s of ['lc', 'wlc', 'sed', 'nq']) {
      expect(odds(s, uncounted), s).toEqual({ '10.0.0.1': 0.25, '10.0.0.2': 0.75 });
      expect(schedule(svc(s, uncounted)).note, s).toContain('collect `ipvsadm -Ln`');
    }
    // One server counted is not enough: every usable server needs both counters.
    expect(odds('lc', [real('10.0.0.1', 1, 0, 0), real('10.0.0.2', 3, 0)])).toEqual({ '10.0.0.1': 0.25, '10.0.0.2': 0.75 });
  });

  it('fo: the usable server with the highest weight, the first of equals', () => {
    expect(odds('fo')).toEqual({ '10.0.0.2': 1 });
    expect(odds('fo', [real('10.0.0.1', 2), real('10.0.0.2', 2), real('10.0.0.3', 1)])).toEqual({ '10.0.0.1': 1 });
  });

  it('hash and locality schedulers show every candidate by weight, naming what they hash', () => {
    for (const s of ['sh', 'mh']) expect(schedule(svc(s)).note, s).toMatch(/^(sh|mh): one real server per source address/);
    for (const s of ['dh', 'lblc', 'lblcr']) expect(schedule(svc(s)).note, s).toMatch(/^(dh|lblc|lblcr): one real server per destination address/);
    for (const s of ['sh', 'mh', 'dh', 'lblc', 'lblcr', 'ovf']) expect(odds(s), s).toEqual({ '10.0.0.1': 0.25, '10.0.0.2': 0.75 });
    expect(schedule(svc('ovf')).note).toBe('scheduler ovf is not modelled: each real server shown by weight; 1 real server(s) with weight 0 take no new connections');
  });

  it('a service whose servers all have weight 0 has no choice', () => {
    expect(schedule(svc('rr', [real('10.0.0.1', 0)]))).toEqual({ choices: [], note: 'no real server with a weight above 0; 1 real server(s) with weight 0 take no new connections' });
  });

  it('virtual and real servers read as ipvsadm prints them', () => {
    expect(describeVirtual({ ...svc('rr'), persistent: 10800 })).toBe('TCP 10.96.0.10:80 rr persistent 10800');
    expect(describeVirtual({ protocol: 'fwmark', fwmark: 7, scheduler: 'wrr', reals: [] })).toBe('FWM 7 wrr');
    expect(describeVirtual({ protocol: 'udp', address: 'fd00::10', port: 53, scheduler: 'sh', reals: [] })).toBe('UDP [fd00::10]:53 sh');
    const forwards: [IpvsRealServer['forward'], string][] = [['masq', 'Masq'], ['route', 'Route'], ['tunnel', 'Tunnel'], ['local', 'Local'], ['bypass', 'bypass']];
    for (const [f, name] of forwards) expect(describeReal(real('fd00::1', 2, 0, 0, f))).toBe(`-> [fd00::1]:8080 ${name} 2`);
  });
});
