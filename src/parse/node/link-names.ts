/** A node's interface names from its link dump alone, for analyses that need no more of the node model. */
import type { NodeCapture } from '../../snapshot/types.js';
import { parseIpLink } from '../iproute/link.js';
import { dumpReader } from './dump-reader.js';

/** Names in the node's `link` dump; none when it was not read (the probe's gap says why). */
export function linkNames(node: string, capture: NodeCapture): string[] {
  const links = dumpReader(node, capture, []).run('link', (text, source) => parseIpLink(text, { source }).value);
  return (links ?? []).map((l) => l.name);
}
