import { describe, expect, it } from 'vitest';
import { parseConntrack, parseConntrackLine } from './conntrack.js';

describe('oracle conntrack reader', () => {
  it('splits original and reply tuples: a DNAT shows as a reply source that differs from the original destination', () => {
    const e = parseConntrackLine(
      'tcp      6 119 TIME_WAIT src=10.244.0.10 dst=10.96.0.10 sport=51174 dport=80 src=10.244.1.11 dst=10.244.0.10 sport=8080 dport=51174 [ASSURED] mark=0 use=1',
    );
    expect(e).toMatchObject({
      protocol: 'tcp',
      state: 'TIME_WAIT',
      original: { src: '10.244.0.10', dst: '10.96.0.10', sport: 51174, dport: 80 },
      reply: { src: '10.244.1.11', dst: '10.244.0.10', sport: 8080, dport: 51174 },
      assured: true,
      unreplied: false,
      mark: 0,
    });
  });

  it('reads UDP entries (no state) and UNREPLIED flags', () => {
    const e = parseConntrackLine(
      'udp      17 29 src=172.31.250.10 dst=172.31.250.12 sport=52964 dport=8472 [UNREPLIED] src=172.31.250.12 dst=172.31.250.10 sport=8472 dport=52964 mark=0 use=1',
    );
    expect(e?.state).toBeUndefined();
    expect(e?.unreplied).toBe(true);
    expect(e?.reply).toEqual({ src: '172.31.250.12', dst: '172.31.250.10', sport: 8472, dport: 52964 });
  });

  it('keeps portless protocols and skips the summary line', () => {
    const all = parseConntrack(
      [
        'unknown  2 597 src=10.244.0.1 dst=224.0.0.22 [UNREPLIED] src=224.0.0.22 dst=10.244.0.1 mark=0 use=1',
        'conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.',
      ].join('\n'),
    );
    expect(all).toHaveLength(1);
    expect(all[0]?.original).toEqual({ src: '10.244.0.1', dst: '224.0.0.22' });
  });
});
