/**
 * STAND-IN for src/parse/kube-proxy-config.ts: a KubeProxyConfiguration document (YAML or JSON)
 * and kube-proxy command-line arguments. Only the fields proxy-mode needs. Replace once it lands.
 */
import { parse as parseYaml } from 'yaml';
import { ParseError } from '../../../parse/error.js';

export interface KubeProxyConfigDoc {
  apiVersion?: string;
  /** `undefined` when the field is absent; `''` when present and empty (both mean the default). */
  mode?: string;
}

/** Returns undefined when the text is YAML/JSON but not a KubeProxyConfiguration. */
export function parseKubeProxyConfig(text: string, opts: { source: string }): KubeProxyConfigDoc | undefined {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ParseError(opts.source, `invalid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (typeof doc !== 'object' || doc === null || (doc as { kind?: unknown }).kind !== 'KubeProxyConfiguration') return undefined;
  const d = doc as { apiVersion?: unknown; mode?: unknown };
  return {
    ...(typeof d.apiVersion === 'string' ? { apiVersion: d.apiVersion } : {}),
    ...(d.mode === undefined || d.mode === null ? {} : { mode: String(d.mode) }),
  };
}

/** The value of `--name=value` or `--name value` in an argv (last one wins, like pflag). */
export function flagValue(argv: string[], name: string): string | undefined {
  let value: string | undefined;
  argv.forEach((a, i) => {
    if (a.startsWith(`--${name}=`)) value = a.slice(name.length + 3);
    else if (a === `--${name}` && argv[i + 1] !== undefined) value = argv[i + 1];
  });
  return value;
}
