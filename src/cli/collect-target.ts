/**
 * Where `collect` puts the snapshot. `-o` keeps its meaning from kubectl (a format) for the format
 * keywords, and stays the file name it always was for anything else, so `collect -o snapshot.json`
 * keeps working:
 * - `--file FILE`, or `-o FILE` where FILE is no format keyword: that file;
 * - nothing, `-o -` or `-o json`: the JSON on stdout; `-o yaml`: YAML on stdout;
 * - `-o jsonpath=…` / `jsonpath-as-json=…`: that selection on stdout;
 * - `-o text|wide|name|mermaid`: refused (collect has no such view), naming --file for a file so named.
 */
import { UsageError } from '../util/errors.js';
import { compileJsonPath, JsonPathError } from '../render/jsonpath.js';
import { parseOutput, type OutputSpec } from './output-spec.js';

export type CollectTarget = { kind: 'file'; path: string } | { kind: 'stdout'; spec: OutputSpec };

export function collectTarget(output: string | undefined, file: string | undefined): CollectTarget {
  if (file !== undefined) return { kind: 'file', path: file };
  if (output === undefined || output === '-') return { kind: 'stdout', spec: { format: 'json' } };
  const spec = parseOutput(output);
  if (!spec) {
    if (/^(jsonpath|jsonpath-as-json)=/.test(output)) throw new UsageError(`-o ${output}: the JSONPath template is empty`, { hint: "for example -o jsonpath='{.source.context}'" });
    return { kind: 'file', path: output };
  }
  if (spec.format === 'json' || spec.format === 'yaml') return { kind: 'stdout', spec };
  if (spec.format === 'jsonpath' || spec.format === 'jsonpath-as-json') {
    try {
      compileJsonPath(spec.template);
    } catch (e) {
      if (e instanceof JsonPathError) throw new UsageError(`-o ${output}: bad JSONPath template: ${e.message}`);
      throw e;
    }
    return { kind: 'stdout', spec };
  }
  throw new UsageError(`collect writes a snapshot: -o ${spec.format} is no format of it`, {
    hint: `-o json or -o yaml print it, --file FILE (or -o FILE) writes it; for a file named "${output}" use --file ${output}`,
  });
}
