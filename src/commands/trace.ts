/** `kubectl netx trace SRC DST[:PORT]`: flags in, one analysis, one renderer, exit 3 when a path fails. */
import { Args, Flags } from '@oclif/core';
import { NetxCommand } from '../cli/base-command.js';
import { outputFlag, portFlag } from '../cli/flag-types.js';
import { REPORT_FORMATS } from '../cli/output-spec.js';

export default class Trace extends NetxCommand {
  static override summary = 'Trace a packet from a pod to a pod, service, node or IP through routes, netfilter, NAT and tunnels';
  static override description =
    'Walks the packet through each node the way the kernel would — policy routing, every netfilter hook and table ' +
    '(iptables and nft), NAT, conntrack, bridges with br_netfilter, VXLAN — from the nodes\u2019 real dumps, and shows ' +
    'the verdict, the endpoints with their odds, the path of each way it fails (or one delivered path), and findings; ' +
    '-v shows every path with every rule evaluated. Exit code 0 when every path is delivered, 3 when some fail. ' +
    '-o name lists the pods (or nodes) the packet is delivered to; -o json is one object (docs/trace-json.md).';
  static override examples = [
    '<%= config.bin %> trace client svc/web:80',
    '<%= config.bin %> trace deploy/frontend svc/web:80',
    '<%= config.bin %> trace shop/cart svc/payments:https -o json',
    "<%= config.bin %> trace client svc/web:80 -o jsonpath='{.disposition}'",
    '<%= config.bin %> trace pod/web-0 10.244.1.5:8080 -v',
    '<%= config.bin %> trace client node/worker-2:30080 --snapshot capture.json -o mermaid',
    '<%= config.bin %> trace external:203.0.113.7 svc/web-np --from-node worker-1',
    '<%= config.bin %> trace client svc/db --family 6',
    '<%= config.bin %> trace client db.prod:5432 --dns',
    '<%= config.bin %> trace ingress-nginx/ingress-nginx-controller-7d9f ingress/shop --host shop.example.com --path /cart',
  ];
  static override args = {
    src: Args.string({
      description:
        'Source: pod/NAME, NAME, NS/NAME (a pod), deploy/NAME, sts/NAME, ds/NAME, rs/NAME, job/NAME (one of its pods, as kubectl exec picks it), node/NAME, or external:IP (a client outside the cluster)',
      required: true,
    }),
    dst: Args.string({
      description:
        'Destination: svc/NAME[:PORT|:PORTNAME], pod/NAME[:PORT], node/NAME[:PORT], IP[:PORT], a DNS name (db, db.prod, db.prod.svc.cluster.local, dns:NAME) resolved as the pod would, or ingress/NAME (with --host/--path; SRC is the ingress controller pod)',
      required: true,
    }),
  };
  static override flags = {
    protocol: Flags.string({ description: 'Transport protocol (a service port brings its own)', options: ['tcp', 'udp', 'sctp'] }),
    port: portFlag({ description: 'Destination port (instead of DST:PORT)' }),
    'source-port': portFlag({ description: 'Source port: names one flow, so its conntrack entry (if any) decides the path' }),
    'from-node': Flags.string({ description: 'Where an external:IP client’s packet enters the cluster (default: the DST node, else every probed node)' }),
    family: Flags.string({ description: 'Address family on a dual-stack path (default: the source’s primary one both ends have)', options: ['4', '6'] }),
    host: Flags.string({ description: 'DST ingress/NAME: the request’s Host header (picks the Ingress rule)' }),
    path: Flags.string({ description: 'DST ingress/NAME: the request path (default /)' }),
    dns: Flags.boolean({ description: 'Also trace the DNS query itself (UDP/53 from the pod to its nameserver)' }),
    output: outputFlag([...REPORT_FORMATS, 'mermaid']),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Trace);
    this.configureColor(flags['no-color']);
    // Loaded when this command runs, not with the command table (which holds every command).
    const [{ createProgress }, { defaultNamespace, obtainSnapshot }, { workloadSource }, { outputWidth }, { traceRequest }, { parseDestination }, { tracePlan }, { renderTraces, traceDocument, traceNames }, { isFailure }] =
      await Promise.all([
        import('../cli/progress.js'),
        import('../cli/source.js'),
        import('../cli/workload.js'),
        import('../cli/terminal.js'),
        import('../analyze/trace/index.js'),
        import('../analyze/trace/request.js'),
        import('../analyze/trace/plan.js'),
        import('../render/trace.js'),
        import('../sim/trace.js'),
      ]);
    const snapshot = await obtainSnapshot(flags, tracePlan({ ingress: parseDestination(args.dst, flags.namespace ?? 'default').kind === 'ingress', src: args.src, dst: args.dst, ...(flags.namespace ? { namespace: flags.namespace } : {}) }), createProgress());
    const namespace = defaultNamespace(flags, snapshot);
    const report = traceRequest(
      snapshot,
      {
        src: workloadSource(snapshot, args.src, namespace),
        dst: args.dst,
        namespace,
        ...(flags.protocol ? { protocol: flags.protocol as 'tcp' | 'udp' | 'sctp' } : {}),
        ...(flags.port !== undefined ? { port: flags.port } : {}),
        ...(flags['source-port'] !== undefined ? { sport: flags['source-port'] } : {}),
        ...(flags['from-node'] !== undefined ? { fromNode: flags['from-node'] } : {}),
        ...(flags.family !== undefined ? { family: Number(flags.family) as 4 | 6 } : {}),
        ...(flags.dns ? { dns: true } : {}),
        ...(flags.host !== undefined ? { host: flags.host } : {}),
        ...(flags.path !== undefined ? { path: flags.path } : {}),
      },
    );
    const width = outputWidth();
    const format = flags.output.format;
    this.printReport(
      report.traces,
      flags.output,
      {
        text: (t, wide) => renderTraces(t, 'text', flags.v, { wide, ...(width ? { width } : {}) }),
        mermaid: (t) => renderTraces(t, 'mermaid', flags.v),
        names: traceNames,
        document: traceDocument,
      },
      { level: flags.v, used: format === 'text' || format === 'wide' || format === 'mermaid', instead: 'the document already holds every path, step and rule evaluated' },
    );
    if (report.traces.some((t) => t.branches.some((b) => isFailure(b.disposition)))) this.exit(NetxCommand.EXIT_FINDINGS);
  }
}
