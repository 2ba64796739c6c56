/** YAML → plain JS with ParseErrors that carry the line and column the yaml library reports. */
import { yamlLib } from '../util/yaml-lib.js';
import { ParseError, type ParseWarning } from '../util/parse-error.js';

/** All documents of a YAML stream as plain values (empty documents dropped). */
export function parseYamlDocuments(text: string, source: string): { docs: unknown[]; warnings: ParseWarning[] } {
  const warnings: ParseWarning[] = [];
  let parsed;
  try {
    parsed = yamlLib().parseAllDocuments(text, { uniqueKeys: false });
  } catch (e) {
    throw new ParseError(source, `invalid YAML: ${e instanceof Error ? e.message : String(e)}`);
  }
  const list = Array.isArray(parsed) ? parsed : [];
  const docs: unknown[] = [];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      throw new ParseError(source, `invalid YAML: ${err.message.split('\n')[0] ?? err.code}`, pos?.line, pos?.col);
    }
    for (const w of doc.warnings) warnings.push({ code: 'yaml', message: w.message.split('\n')[0] ?? w.code, line: w.linePos?.[0]?.line });
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      // Unresolved or exploding aliases surface only when the document is converted.
      throw new ParseError(source, `invalid YAML: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (value !== null && value !== undefined) docs.push(value);
  }
  return { docs, warnings };
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
