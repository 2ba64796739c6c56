/** `kubectl netx proxy-mode`: flags in, one analysis, one renderer. */
import { NetxCommand } from '../cli/base-command.js';
import { outputFlag } from '../cli/flags.js';
import { REPORT_FORMATS } from '../cli/output-spec.js';

export default class ProxyMode extends NetxCommand {
  static override summary = "Show what kube-proxy is configured to do and what each node's dataplane really does";
  static override description =
    'The configured mode with its source (kube-proxy ConfigMap, DaemonSet or static-pod flags, k3s/RKE2 hints, ' +
    'Cilium kube-proxy replacement, GKE Dataplane V2), then per node the effective mode from its dumps ' +
    '(KUBE-SERVICES in iptables, the nft kube-proxy table, kube-ipvs0 and IPVS, :10249/proxyMode), the iptables ' +
    'backend and the kube-proxy version. Findings: mismatches, nodes that disagree, leftovers after a mode switch. ' +
    '-o name lists the nodes (node/NAME).';
  static override examples = [
    '<%= config.bin %> proxy-mode',
    '<%= config.bin %> proxy-mode -o wide',
    '<%= config.bin %> proxy-mode --snapshot capture.json -o json',
    "<%= config.bin %> proxy-mode -o jsonpath='{.configured.mode}'",
  ];
  static override flags = { output: outputFlag(REPORT_FORMATS) };

  async run(): Promise<void> {
    const { flags } = await this.parse(ProxyMode);
    this.configureColor(flags['no-color']);
    // Loaded when this command runs, not with the command table (which holds every command).
    const [{ createProgress }, { obtainSnapshot }, { outputWidth }, { analyzeProxyMode }, { proxyModePlan }, { proxyModeNames, renderProxyModeText }] = await Promise.all([
      import('../cli/progress.js'),
      import('../cli/source.js'),
      import('../cli/terminal.js'),
      import('../analyze/proxy-mode/index.js'),
      import('../analyze/proxy-mode/plan.js'),
      import('../render/proxy-mode.js'),
    ]);
    const snapshot = await obtainSnapshot(flags, proxyModePlan(), createProgress());
    const report = analyzeProxyMode(snapshot);
    const width = outputWidth();
    this.printReport(
      report,
      flags.output,
      { text: (r, wide) => renderProxyModeText(r, { wide, ...(width ? { width } : {}) }), names: proxyModeNames },
      { level: flags.v, used: false, instead: '-o wide shows every signal, the backend evidence and why a dump was not read' },
    );
  }
}
