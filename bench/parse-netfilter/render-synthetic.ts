/**
 * Writes the lab renderer's kube-proxy rules for a synthetic cluster (test/lab/kube-proxy), for the
 * netfilter parse bench and its fixtures: `render-synthetic <iptables|nftables> <services> <endpoints>`.
 */
import { renderIptables } from '../../test/lab/kube-proxy/iptables.js';
import { renderNftables } from '../../test/lab/kube-proxy/nftables.js';
import { syntheticServices } from '../../test/lab/kube-proxy/synthetic.js';

const [mode, services, endpoints] = process.argv.slice(2);
const input = syntheticServices(Number(services), Number(endpoints));
process.stdout.write(mode === 'nftables' ? renderNftables(input) : renderIptables(input));
