/**
 * The `-o` vocabulary, the same for every command (each takes the part it can print):
 * - `text` (default) and `wide` (more columns and evidence): for people;
 * - `json`, `yaml`: the whole report, stable names;
 * - `name`: one `kind/name` per line for what the report is about (kubectl's `-o name`);
 * - `jsonpath=TEMPLATE`: kubectl's JSONPath template over the JSON report (`-o jsonpath='{.disposition}'`);
 *   `jsonpath-as-json=TEMPLATE` prints the matches as a JSON array;
 * - `mermaid`: trace only, a flowchart.
 */
export type OutputFormat = 'text' | 'wide' | 'json' | 'yaml' | 'name' | 'mermaid' | 'jsonpath' | 'jsonpath-as-json';

export type OutputSpec = { format: Exclude<OutputFormat, 'jsonpath' | 'jsonpath-as-json'> } | { format: 'jsonpath' | 'jsonpath-as-json'; template: string };

const PLAIN = ['text', 'wide', 'json', 'yaml', 'name', 'mermaid'] as const;

/** What every report command prints (trace adds mermaid). */
export const REPORT_FORMATS: readonly OutputFormat[] = ['text', 'wide', 'json', 'yaml', 'name', 'jsonpath', 'jsonpath-as-json'];

/** `-o` as typed → what it asks for; undefined when it is no format. */
export function parseOutput(input: string): OutputSpec | undefined {
  const plain = PLAIN.find((f) => f === input);
  if (plain) return { format: plain };
  const m = /^(jsonpath|jsonpath-as-json)=([\s\S]*)$/.exec(input);
  if (m && m[2]!.trim() !== '') return { format: m[1] as 'jsonpath' | 'jsonpath-as-json', template: m[2]! };
  return undefined;
}
