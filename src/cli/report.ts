/**
 * A report printed the way `-o` asks: the command supplies its human views (text/wide, mermaid) and
 * the names the report is about; json, yaml, name and jsonpath work the same for every command.
 */
import { canonical, renderJson } from '../render/json.js';
import { renderYaml } from '../render/yaml.js';
import { compileJsonPath, evaluateJsonPath, selectJsonPath } from '../render/jsonpath.js';
import type { OutputSpec } from './output-spec.js';

export interface ReportViews<R> {
  /** text (`wide: false`) and `-o wide`. */
  text: (report: R, wide: boolean) => string;
  /** `-o name`: `kind/name` of what the report is about, one per line. */
  names: (report: R) => string[];
  mermaid?: (report: R) => string;
  /** The document json/yaml/jsonpath print (default: the report itself). */
  document?: (report: R) => unknown;
}

export function renderReport<R>(report: R, spec: OutputSpec, views: ReportViews<R>): string {
  const doc = (): unknown => (views.document ? views.document(report) : report);
  switch (spec.format) {
    case 'json':
      return renderJson(doc());
    case 'yaml':
      return renderYaml(doc());
    case 'name':
      return views.names(report).map((n) => `${n}\n`).join('');
    case 'jsonpath':
      return evaluateJsonPath(compileJsonPath(spec.template), canonical(doc()));
    case 'jsonpath-as-json':
      return renderJson(selectJsonPath(compileJsonPath(spec.template), canonical(doc())));
    case 'mermaid':
      if (views.mermaid) return views.mermaid(report);
      return views.text(report, false);
    case 'wide':
      return views.text(report, true);
    case 'text':
      return views.text(report, false);
  }
}
