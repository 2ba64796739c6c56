/**
 * The yaml library, loaded on first use: its ~70 modules cost a command that never reads or writes YAML (most
 * runs: -o yaml, rbac and configuration files need it) a noticeable part of its start-up.
 */
import { createRequire } from 'node:module';

type YamlLib = typeof import('yaml');
let lib: YamlLib | undefined;

export function yamlLib(): YamlLib {
  lib ??= createRequire(import.meta.url)('yaml') as YamlLib;
  return lib;
}
