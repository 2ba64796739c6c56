/** `kubectl netx policy SRC DST[:PORT]`: the NetworkPolicy verdict alone. Exit 0 allowed, 3 denied or uncertain. */
import { Args, Flags } from '@oclif/core';
import { NetxCommand } from '../cli/base-command.js';
import { outputFlag, portFlag } from '../cli/flag-types.js';
import { REPORT_FORMATS } from '../cli/output-spec.js';

export default class Policy extends NetxCommand {
  static override summary = 'Would NetworkPolicy allow a connection? Which policies isolate each side, which rule allows it';
  static override description =
    'Evaluates Kubernetes NetworkPolicy (networking.k8s.io/v1) for SRC → DST: the egress of the source and the ingress of the ' +
    'destination, with the policies that select each pod and the rule that allows the flow, or why none does. A service is judged ' +
    'on each endpoint pod and its target port (what the CNI sees after DNAT). Also says whether anything enforces NetworkPolicy. ' +
    'Exit code 0 when allowed, 3 when denied or uncertain. -o name lists the NetworkPolicies that select either side.';
  static override examples = [
    '<%= config.bin %> policy client svc/web:80',
    '<%= config.bin %> policy deploy/frontend svc/web:80',
    '<%= config.bin %> policy shop/cart shop/db-0:5432 -o json',
    '<%= config.bin %> policy 203.0.113.7 pod/web-0 --port 8080',
  ];
  static override args = {
    src: Args.string({ description: 'Source: pod/NAME, NAME, NS/NAME, deploy/NAME, sts/NAME, ds/NAME, rs/NAME, job/NAME (one of its pods), node/NAME, or an IP', required: true }),
    dst: Args.string({ description: 'Destination: pod/NAME[:PORT], NAME, svc/NAME[:PORT|:PORTNAME], IP[:PORT]', required: true }),
  };
  static override flags = {
    protocol: Flags.string({ description: 'Transport protocol (a service port brings its own)', options: ['tcp', 'udp', 'sctp'] }),
    port: portFlag({ description: 'Destination port (instead of DST:PORT)' }),
    output: outputFlag(REPORT_FORMATS),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Policy);
    this.configureColor(flags['no-color']);
    // Loaded when this command runs, not with the command table (which holds every command).
    const [{ createProgress }, { defaultNamespace, obtainSnapshot }, { workloadSource }, { policyWithDataplane }, { policyPlan }, { policyNames, renderPolicyText }] = await Promise.all([
      import('../cli/progress.js'),
      import('../cli/source.js'),
      import('../cli/workload.js'),
      import('../analyze/trace/policy-check.js'),
      import('../analyze/policy/plan.js'),
      import('../render/policy.js'),
    ]);
    const snapshot = await obtainSnapshot(flags, policyPlan(), createProgress());
    const namespace = defaultNamespace(flags, snapshot);
    const report = policyWithDataplane(snapshot, {
      src: workloadSource(snapshot, args.src, namespace),
      dst: args.dst,
      namespace,
      ...(flags.protocol ? { protocol: flags.protocol as 'tcp' | 'udp' | 'sctp' } : {}),
      ...(flags.port !== undefined ? { port: flags.port } : {}),
    });
    this.printReport(
      report,
      flags.output,
      { text: (r, wide) => renderPolicyText(r, { wide }), names: policyNames },
      { level: flags.v, used: false, instead: '-o wide shows all enforcement evidence, -o json every rule considered' },
    );
    if (report.verdict !== 'allowed') this.exit(NetxCommand.EXIT_FINDINGS);
  }
}
