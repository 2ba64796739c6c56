/** `kubectl netx cidr`: flags in, one analysis, one renderer. */
import { NetxCommand } from '../cli/base-command.js';
import { outputFlag } from '../cli/flags.js';
import { createProgress } from '../cli/progress.js';
import { obtainSnapshot } from '../cli/source.js';
import { keepYoungGenerationSmall } from '../cli/memory.js';
import { analyzeCidr, cidrPlan } from '../analyze/cidr/index.js';
import { renderCidrText } from '../render/cidr.js';
import { renderJson } from '../render/json.js';
import { renderYaml } from '../render/yaml.js';

export default class Cidr extends NetxCommand {
  static override summary = 'Show which addresses live where: pod, service and node ranges, usage and collisions';
  static override description =
    'For every node: its podCIDR(s), pods and pod IPs in use, how full the range is, and pods outside it. ' +
    'For the cluster: the service and pod CIDRs with the source of each figure and how sure it is. ' +
    'Findings: overlaps, duplicate node ranges, exhaustion, Services outside the service CIDR.';
  static override examples = [
    '<%= config.bin %> cidr',
    '<%= config.bin %> cidr -o wide',
    '<%= config.bin %> cidr --snapshot capture.json -o json',
  ];
  static override flags = { output: outputFlag(['text', 'wide', 'json', 'yaml']) };

  async run(): Promise<void> {
    const { flags } = await this.parse(Cidr);
    this.configureColor(flags['no-color']);
    keepYoungGenerationSmall();
    const snapshot = await obtainSnapshot(flags, cidrPlan(), createProgress());
    const report = analyzeCidr(snapshot);
    const out = flags.output;
    this.print(out === 'json' ? renderJson(report) : out === 'yaml' ? renderYaml(report) : renderCidrText(report, { wide: out === 'wide' }));
  }
}
