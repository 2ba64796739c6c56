/**
 * The same kube-proxy ruleset (upstream TestOverallIPTablesRules, loaded into a kernel with iptables-nft)
 * read two ways: from `iptables-save` and from `nft -j list ruleset`. The nft JSON shows iptables-nft's
 * compat (`xt`) expressions by name only, so the comparison is:
 *  - same chains, same number of rules, same order;
 *  - counters and path-neutral expressions (comment, nfacct) are left out on both sides;
 *  - every natively compiled nft match equals one match of the iptables-save rule (as a multiset);
 *  - every iptables match left over is accounted for by one xt match of the matching module
 *    (an option-less `-m tcp`/`-m udp` compiles to an xt match but to no expression in our model);
 *  - the final statement is equal, or is an xt target of the same kind (REJECT ↔ reject, DNAT ↔ dnat …).
 */
import { describe, expect, it } from 'vitest';
import type { Expr, Rule } from '../../../src/model/netfilter.js';
import { parseIptablesSave } from '../../../src/parse/netfilter/iptables-save.js';
import { parseNftJson } from '../../../src/parse/netfilter/nft-json.js';
import { readCorpus } from '../../support/corpus.js';

const save = parseIptablesSave(readCorpus('kernel-redump', 'k8s-TestOverallIPTablesRules.iptables-save.rules'), {
  source: 'iptables-save',
  family: 'ip',
  origin: 'iptables-nft',
});
const nft = parseNftJson(readCorpus('kernel-redump', 'k8s-TestOverallIPTablesRules.iptables-nft.nft.json'), { source: 'nft' });

const isStatement = (e: Expr): boolean =>
  !['match', 'random', 'nth', 'ipset', 'recent', 'always', 'unknown-match'].includes(e.kind);
const xtName = (e: Expr): string | undefined => {
  if (e.kind !== 'unknown-match' && e.kind !== 'unknown-statement') return undefined;
  return /^xt (?:match|target) (\S+)$/.exec(e.text)?.[1];
};

/** Which model expressions an xt match of that name stands for. */
const XT_MATCH_COVERS: Record<string, (e: Expr) => boolean> = {
  conntrack: (e) => e.kind === 'match' && e.left.kind === 'ct',
  addrtype: (e) => e.kind === 'match' && e.left.kind === 'fib',
  statistic: (e) => e.kind === 'random' || e.kind === 'nth',
  recent: (e) => e.kind === 'recent',
  set: (e) => e.kind === 'ipset',
  mark: (e) => e.kind === 'match' && (e.left.kind === 'meta' || e.left.kind === 'bitwise'),
};
/** Which model statement an xt target of that name stands for. */
const XT_TARGET_IS: Record<string, (e: Expr) => boolean> = {
  REJECT: (e) => e.kind === 'reject',
  DNAT: (e) => e.kind === 'nat' && e.type === 'dnat',
  SNAT: (e) => e.kind === 'nat' && e.type === 'snat',
  MASQUERADE: (e) => e.kind === 'nat' && e.type === 'masquerade',
  MARK: (e) => e.kind === 'mark',
};

function compareRule(a: Rule, b: Rule): string | undefined {
  const keep = (e: Expr) => e.kind !== 'counter' && e.kind !== 'always';
  const left = a.exprs.filter(keep);
  const right = b.exprs.filter(keep);
  const lStmt = left.filter(isStatement);
  const rStmt = right.filter(isStatement);
  if (lStmt.length !== rStmt.length) return `statements differ: ${a.text}`;
  for (let i = 0; i < lStmt.length; i++) {
    const l = lStmt[i]!;
    const r = rStmt[i]!;
    const xt = xtName(r);
    if (xt !== undefined) {
      if (!XT_TARGET_IS[xt]?.(l)) return `xt target ${xt} vs ${l.kind}: ${a.text}`;
    } else if (JSON.stringify(l) !== JSON.stringify(r)) return `statement ${JSON.stringify(l)} vs ${JSON.stringify(r)}`;
  }
  const leftover = left.filter((e) => !isStatement(e)).map((e) => JSON.stringify(e));
  const xtMatches: string[] = [];
  for (const m of right.filter((e) => !isStatement(e))) {
    const xt = xtName(m);
    if (xt !== undefined) {
      if (xt !== 'tcp' && xt !== 'udp') xtMatches.push(xt);
      continue;
    }
    const k = leftover.indexOf(JSON.stringify(m));
    if (k < 0) return `nft match ${JSON.stringify(m)} not in ${a.text}`;
    leftover.splice(k, 1);
  }
  if (leftover.length !== xtMatches.length) return `${leftover.length} iptables matches vs ${xtMatches.length} xt matches: ${a.text}`;
  for (const l of leftover) {
    const k = xtMatches.findIndex((x) => XT_MATCH_COVERS[x]?.(JSON.parse(l) as Expr));
    if (k < 0) return `no xt match covers ${l} in ${a.text}`;
    xtMatches.splice(k, 1);
  }
  return undefined;
}

describe('iptables-save vs nft JSON of the same kube-proxy rules', () => {
  for (const name of ['filter', 'nat']) {
    it(`table ${name}: same user chains, same rules`, () => {
      const a = save.tables.find((t) => t.name === name)!;
      const b = nft.tables.find((t) => t.name === name)!;
      const users = (cs: typeof a.chains) => cs.filter((c) => !c.base).map((c) => c.name).sort();
      expect(users(b.chains)).toEqual(users(a.chains));
      let compared = 0;
      for (const cb of b.chains) {
        const ca = a.chains.find((c) => c.name === cb.name)!;
        expect(cb.rules.length, cb.name).toBe(ca.rules.length);
        ca.rules.forEach((r, i) => {
          expect(compareRule(r, cb.rules[i]!), `${cb.name} rule ${i}`).toBeUndefined();
          compared++;
        });
      }
      // Every rule of the iptables-save table was compared (none hides in a chain the nft dump lacks).
      expect(compared).toBe(a.chains.reduce((n, c) => n + c.rules.length, 0));
      expect(compared).toBeGreaterThan(9);
    });
  }

});
