/**
 * iptables-nft-save prints every builtin chain of a table (`:PREROUTING ACCEPT`) even when the kernel
 * has no such chain: iptables-nft creates base chains only when a rule needs them. A chain the kernel
 * does not have is not hooked, so `nft monitor trace` never shows it. The nft dump says which exist;
 * builtin chains missing there are unhooked here (they are empty with policy accept: no verdict changes,
 * only the rule path does).
 */
import { gunzipSync } from 'node:zlib';
import type { NodeModel } from '../../model/node.js';
import type { NodeCapture } from '../../snapshot/types.js';

export function unhookAbsentBuiltins(model: NodeModel, capture: NodeCapture): NodeModel {
  const existing = kernelChains(capture);
  if (!existing) return model;
  const tables = model.ruleset.tables.map((t) => {
    if (t.origin !== 'iptables-nft') return t;
    const chains = t.chains.map((c) => {
      if (!c.base || existing.has(`${t.family} ${t.name} ${c.name}`) || c.rules.length > 0 || c.base.policy !== 'accept') return c;
      const { base: _unhooked, ...rest } = c;
      return rest;
    });
    return { ...t, chains };
  });
  return { ...model, ruleset: { ...model.ruleset, tables } };
}

/** `family table chain` of every chain in the nft dump; undefined when there is no usable dump. */
function kernelChains(capture: NodeCapture): Set<string> | undefined {
  const d = capture.dumps.nft;
  if (!d || d.exitCode !== 0) return undefined;
  try {
    const text = d.encoding === 'gzip+base64' ? gunzipSync(Buffer.from(d.stdout, 'base64')).toString('utf8') : d.stdout;
    const doc = JSON.parse(text) as { nftables?: { chain?: { family: string; table: string; name: string } }[] };
    const out = new Set<string>();
    for (const o of doc.nftables ?? []) if (o.chain) out.add(`${o.chain.family} ${o.chain.table} ${o.chain.name}`);
    return out;
  } catch {
    return undefined;
  }
}
