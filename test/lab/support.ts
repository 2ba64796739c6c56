/**
 * Shared gate for lab tests (test/lab/**): a lab test calls `requireLab(ctx)` first. Without root or
 * the tools the lab drives it skips, unless NETX_REQUIRE_LAB=1 (CI), where it fails saying what is
 * missing: a CI run that silently skipped the kernel checks would prove nothing.
 */
import { existsSync } from 'node:fs';
import type { TestContext } from 'vitest';
import type { ParseWarning } from '../../src/util/parse-error.js';
import { runSync } from './exec.js';

/** Commands the lab builder, oracle and dump step run. */
const LAB_TOOLS = ['ip', 'bridge', 'nft', 'iptables-restore', 'iptables-save', 'iptables-nft-save', 'ip6tables-save', 'conntrack', 'nfacct', 'ipset', 'sysctl', 'ss', 'stdbuf', 'socat'];

let cached: string[] | undefined;

/** What keeps the lab from running here ([] when it can run). Checked once per process. */
function labMissing(): string[] {
  if (cached) return cached;
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (run as uid 0)');
  for (const tool of LAB_TOOLS) {
    if (runSync(['sh', '-c', `command -v ${tool}`]).exitCode !== 0) missing.push(`${tool} (apt-get install iproute2 iptables nftables conntrack nfacct ipset socat)`);
  }
  if (!existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables')) missing.push('br_netfilter (modprobe br_netfilter)');
  cached = missing;
  return missing;
}

export const labRequired = (): boolean => process.env['NETX_REQUIRE_LAB'] === '1';

/** Skips the test when the lab cannot run here, or fails it when NETX_REQUIRE_LAB=1. */
export function requireLab(ctx: Pick<TestContext, 'skip'>): void {
  const missing = labMissing();
  if (missing.length === 0) return;
  const why = `lab prerequisites missing: ${missing.join(', ')}`;
  if (labRequired()) throw new Error(`${why} (NETX_REQUIRE_LAB=1: lab tests must run)`);
  ctx.skip(why);
}

/**
 * The only dump failure a lab node may show: `ipvsadm -Sn` for the `ipvs` key, because ipvsadm is not
 * installed here (exit 127) or IPVS does not work in this kernel. Anything else that failed or did not
 * parse is a defect, returned so a test can expect it to be [].
 */
export function unexpectedDumpWarnings(warnings: readonly ParseWarning[]): ParseWarning[] {
  const ipvsUnavailable = (w: ParseWarning): boolean =>
    w.code === 'dump-failed' && w.source === 'ipvs' &&
    /^ipvsadm -Sn exited (127|\d+: .*(not found|Protocol not available|Can't initialize ipvs))/.test(w.message);
  return warnings.filter((w) => (w.code === 'parse-error' || w.code === 'dump-failed') && !ipvsUnavailable(w));
}
