/**
 * The `from` (ingress) / `to` (egress) peers of a rule. Empty or absent = every peer. Within one peer,
 * namespaceSelector AND podSelector; separate peers are OR'ed (docs: "namespaceSelector and
 * podSelector" in one element vs two elements). podSelector alone = pods in the policy's namespace;
 * namespaceSelector alone = every pod of the selected namespaces (`{}` = all namespaces).
 * ipBlock matches addresses; on a pod IP it answers `maybe`: the docs say ipBlock should hold
 * cluster-external IPs and leave open whether a plugin matches pod IPs against it.
 */
import type { V1NetworkPolicyPeer } from '@kubernetes/client-node';
import type { FlowEnd, Tri } from './types.js';
import { NAMESPACE_NAME_LABEL, type PolicyWorld } from './world.js';
import { matchIpBlock } from './ipblock.js';
import { matchSelector, selectorText, type LabelSelector } from './selector.js';
import { triAnd } from './tri.js';

export interface PeersMatch {
  match: Tri;
  /** The first peer that matched (`yes` first, else the first `maybe`). */
  index?: number;
  why: string;
  notes: string[];
}

/** Matches the flow's other end (`end`) against a rule's peers; `policyNs` is the policy's namespace. */
export function matchPeers(world: PolicyWorld, policyNs: string, peers: V1NetworkPolicyPeer[] | undefined, end: FlowEnd): PeersMatch {
  if (!peers || peers.length === 0) return { match: 'yes', why: 'every peer (no from/to)', notes: [] };
  const notes: string[] = [];
  let maybe: { index: number; why: string } | undefined;
  const misses: string[] = [];
  for (const [i, peer] of peers.entries()) {
    const r = matchPeer(world, policyNs, peer, end);
    notes.push(...r.notes);
    if (r.match === 'yes') return { match: 'yes', index: i, why: r.why, notes };
    if (r.match === 'maybe' && !maybe) maybe = { index: i, why: r.why };
    if (r.match === 'no') misses.push(r.why);
  }
  if (maybe) return { match: 'maybe', index: maybe.index, why: maybe.why, notes };
  return { match: 'no', why: misses.join('; '), notes };
}

interface PeerMatch {
  match: Tri;
  why: string;
  notes: string[];
}

function matchPeer(world: PolicyWorld, policyNs: string, peer: V1NetworkPolicyPeer, end: FlowEnd): PeerMatch {
  const hasSel = peer.podSelector != null || peer.namespaceSelector != null;
  if (peer.ipBlock && hasSel) return { match: 'no', why: 'invalid peer', notes: ['a peer with ipBlock and a selector is invalid (the API server refuses it); it matches nothing here'] };
  if (peer.ipBlock) return matchIpPeer(peer.ipBlock, end);
  if (!hasSel) return { match: 'no', why: 'empty peer', notes: ['an empty peer {} is invalid (the API server refuses it); it matches nothing here'] };
  if (end.kind !== 'pod') {
    const what = end.owner === 'host-network-pod' ? `${end.name ?? end.ip} is a hostNetwork pod (treated as its node's IP: plugins ignore hostNetwork pods in selectors)` : `${end.ip} is not a pod`;
    return { match: 'no', why: `${peerText(peer, policyNs)}: ${what}`, notes: [] };
  }
  const notes: string[] = [];
  let ns: Tri;
  let nsWhy: string;
  if (peer.namespaceSelector != null) {
    const r = matchSelector(peer.namespaceSelector as LabelSelector, world.namespaceLabels(end.namespace));
    if (r.invalid) notes.push(`invalid namespaceSelector: ${r.invalid}`);
    ns = r.match;
    if (ns === 'maybe') notes.push(`namespace ${end.namespace} is not in the snapshot: only its ${NAMESPACE_NAME_LABEL} label is known, so namespaceSelector ${selectorText(peer.namespaceSelector as LabelSelector)} is undecided`);
    nsWhy = `namespace ${end.namespace} ${ns === 'yes' ? 'matches' : ns === 'maybe' ? 'may match' : 'does not match'} namespaceSelector ${selectorText(peer.namespaceSelector as LabelSelector)}`;
  } else {
    ns = end.namespace === policyNs ? 'yes' : 'no';
    // Said only when it decides: with a podSelector, the pod part is the interesting one.
    nsWhy = ns === 'no' ? `podSelector alone only selects pods in ${policyNs}, not ${end.namespace}` : peer.podSelector == null ? `in the policy's namespace ${policyNs}` : '';
  }
  if (ns === 'no') return { match: 'no', why: nsWhy, notes };
  let pod: Tri = 'yes';
  let podWhy = '';
  if (peer.podSelector != null) {
    const r = matchSelector(peer.podSelector as LabelSelector, { labels: end.pod.metadata?.labels ?? {}, known: 'all' });
    if (r.invalid) notes.push(`invalid podSelector: ${r.invalid}`);
    pod = r.match;
    podWhy = `pod ${end.name} ${pod === 'yes' ? 'matches' : 'does not match'} podSelector ${selectorText(peer.podSelector as LabelSelector)}`;
  }
  const m = triAnd(ns, pod);
  return { match: m, why: [nsWhy, podWhy].filter(Boolean).join(' and '), notes };
}

function matchIpPeer(block: { cidr: string; except?: string[] }, end: FlowEnd): PeerMatch {
  const r = matchIpBlock(block, end.ip);
  const text = `ipBlock ${block.cidr}${block.except?.length ? ` except ${block.except.join(',')}` : ''}`;
  switch (r.kind) {
    case 'invalid':
      return { match: 'no', why: text, notes: [`invalid ipBlock: ${r.why}`] };
    case 'out':
      return { match: 'no', why: `${end.ip} not in ${text}`, notes: [] };
    case 'excepted':
      return { match: 'no', why: `${end.ip} is in except ${r.by} of ${text}`, notes: [] };
    default:
      if (end.kind === 'pod') {
        return {
          match: 'maybe',
          why: `pod IP ${end.ip} is in ${text}`,
          notes: [`pod IP ${end.ip} (${end.name}) falls in ${text}: the docs say ipBlock is for cluster-external IPs; whether a plugin matches pod IPs against it varies (Calico does, Cilium does not)`],
        };
      }
      return { match: 'yes', why: `${end.ip} in ${text}`, notes: [] };
  }
}

function peerText(peer: V1NetworkPolicyPeer, policyNs: string): string {
  const parts: string[] = [];
  if (peer.namespaceSelector != null) parts.push(`namespaceSelector ${selectorText(peer.namespaceSelector as LabelSelector)}`);
  if (peer.podSelector != null) parts.push(`podSelector ${selectorText(peer.podSelector as LabelSelector)}${peer.namespaceSelector == null ? ` in ${policyNs}` : ''}`);
  return parts.join(' and ');
}
