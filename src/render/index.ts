/** Shared renderers: tables, colour markers, JSON/YAML for any report. */
export { renderTable, type Column, type TableOptions } from './table.js';
export { renderJson, canonical } from './json.js';
export { renderYaml } from './yaml.js';
export { mark, paint, tone, type Tone } from './style.js';
