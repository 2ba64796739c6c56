/** YAML for any report: the same content and key order as renderJson; long strings are not folded. */
import { yamlLib } from '../util/yaml-lib.js';
import { canonical } from './json.js';

export const renderYaml = (report: unknown): string => yamlLib().stringify(canonical(report), { lineWidth: 0 });

/** YAML of a plain JSON document in its own key order (a snapshot: the same order as its JSON file). */
export const renderYamlInOrder = (doc: unknown): string => yamlLib().stringify(doc, { lineWidth: 0 });
