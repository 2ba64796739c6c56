/** `kubectl netx cidr`: flags in, one analysis, one renderer. */
import { Flags } from '@oclif/core';
import { NetxCommand } from '../cli/base-command.js';
import { outputFlag } from '../cli/flags.js';
import { REPORT_FORMATS } from '../cli/output-spec.js';
import { serviceCidrDryRunFlag } from '../cluster/flags.js';

export default class Cidr extends NetxCommand {
  static override summary = 'Show which addresses live where: pod, service and node ranges, usage and collisions';
  static override description =
    'For every node: its podCIDR(s), pods and pod IPs in use, how full the range is, and pods outside it. ' +
    'For the cluster: the service and pod CIDRs with the source of each figure and how sure it is. ' +
    'Findings: overlaps, duplicate node ranges, exhaustion, Services outside the service CIDR. ' +
    '-o name lists the nodes (node/NAME).';
  static override examples = [
    '<%= config.bin %> cidr',
    '<%= config.bin %> cidr -o wide',
    '<%= config.bin %> cidr --snapshot capture.json -o json',
    '<%= config.bin %> cidr --probe --image registry.internal/netshoot:v0.13',
    "<%= config.bin %> cidr -o jsonpath='{range .nodes[*]}{.name}{\"\\t\"}{.podCIDRs[*].cidr}{\"\\n\"}{end}'",
  ];
  static override flags = {
    output: outputFlag(REPORT_FORMATS),
    'service-cidr-dry-run': serviceCidrDryRunFlag,
    // cidr reads API objects only unless asked: probing every node costs a pod per node.
    probe: Flags.boolean({ description: "Also probe every node with a debug pod: its CNI configuration and interfaces confirm the CNI (off by default)", default: false, allowNo: true, helpGroup: 'PROBE' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Cidr);
    this.configureColor(flags['no-color']);
    // Loaded when this command runs, not with the command table (which holds every command).
    const [{ createProgress }, { obtainSnapshot }, { keepYoungGenerationSmall }, { outputWidth }, { analyzeCidr, cidrPlan }, { cidrNames, renderCidrText }] = await Promise.all([
      import('../cli/progress.js'),
      import('../cli/source.js'),
      import('../cli/memory.js'),
      import('../cli/terminal.js'),
      import('../analyze/cidr/index.js'),
      import('../render/cidr.js'),
    ]);
    keepYoungGenerationSmall();
    const snapshot = await obtainSnapshot(flags, cidrPlan({ probe: flags.probe }), createProgress());
    const report = analyzeCidr(snapshot);
    const width = outputWidth();
    this.printReport(
      report,
      flags.output,
      { text: (r, wide) => renderCidrText(r, { wide, ...(width ? { width } : {}) }), names: cidrNames },
      { level: flags.v, used: false, instead: '-o wide shows every source and all evidence' },
    );
  }
}
