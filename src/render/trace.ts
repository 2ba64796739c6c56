/** Trace renderers by output format. JSON/YAML share the stable key order of render/json. */
import type { Trace } from '../sim/trace.js';
import { renderJson } from './json.js';
import { renderYaml } from './yaml.js';
import { renderTraceText } from './trace-text.js';
import { renderTraceMermaid } from './trace-mermaid.js';

export type TraceFormat = 'text' | 'json' | 'yaml' | 'mermaid';

/** One Trace prints as an object; several (a service's ports) as a list of them. */
export function traceDocument(traces: Trace[]): Trace | Trace[] {
  return traces.length === 1 ? traces[0]! : traces;
}

export function renderTraces(traces: Trace[], format: TraceFormat, verbose = false): string {
  switch (format) {
    case 'json':
      return renderJson(traceDocument(traces));
    case 'yaml':
      return renderYaml(traceDocument(traces));
    case 'mermaid':
      return renderTraceMermaid(traces);
    default:
      return renderTraceText(traces, { verbose });
  }
}
