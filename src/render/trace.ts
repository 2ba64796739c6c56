/** Trace renderers by output format. JSON/YAML share the stable key order of render/json. */
import type { Trace } from '../sim/trace.js';
import { renderJson } from './json.js';
import { renderYaml } from './yaml.js';
import { renderTraceText } from './trace-text.js';
import { renderTraceMermaid } from './trace-mermaid.js';
import { traceDocument } from './trace-document.js';

export { traceDocument } from './trace-document.js';

export type TraceFormat = 'text' | 'json' | 'yaml' | 'mermaid';

export interface TraceRenderOptions {
  /** The terminal's width (text). */
  width?: number;
  /** `-o wide`: more columns in the endpoints table. */
  wide?: boolean;
}

/** `verbose`: -v's level (or true): every path and every rule in text, the deciding rules in mermaid. */
export function renderTraces(traces: Trace[], format: TraceFormat, verbose: boolean | number = false, opts: TraceRenderOptions = {}): string {
  switch (format) {
    case 'json':
      return renderJson(traceDocument(traces));
    case 'yaml':
      return renderYaml(traceDocument(traces));
    case 'mermaid':
      return renderTraceMermaid(traces, { verbose: verbose === true || Number(verbose) > 0 });
    default:
      return renderTraceText(traces, { verbose, ...opts });
  }
}

/**
 * `-o name`: where the packet is delivered, as kubectl names objects (`pod/web-0`, `node/worker-1`;
 * like kubectl's, without the namespace), once each in the order of the branches; an address nothing
 * in the cluster owns is printed as it is.
 */
export function traceNames(traces: Trace[]): string[] {
  const names = traces.flatMap((t) =>
    t.branches
      .filter((b) => b.disposition === 'delivered' && b.endpoint)
      .map((b) => {
        const e = b.endpoint!;
        if (e.pod) return `pod/${e.pod.split('/').pop()}`;
        if (e.owner === 'node' && e.node) return `node/${e.node}`;
        return e.ip;
      }),
  );
  return [...new Set(names)];
}
