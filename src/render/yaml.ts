/** YAML for any report: the same content and key order as renderJson; long strings are not folded. */
import { stringify } from 'yaml';
import { canonical } from './json.js';

export const renderYaml = (report: unknown): string => stringify(canonical(report), { lineWidth: 0 });
