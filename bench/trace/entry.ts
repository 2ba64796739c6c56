/** What the trace bench needs, compiled by bench/trace/tsconfig.json (the dump generators come from the parse bench's entry). */
export { parseIptablesSave, parseNftJson, renderIptables, syntheticServices } from '../parse-netfilter/entry.js';
export { parseSnapshot, serializeSnapshot } from '../../src/snapshot/io.js';
export { decodeDumpStdout, encodeGzipBase64 } from '../../src/snapshot/dump-encoding.js';
export { buildNodeModel } from '../../src/parse/node/build-node.js';
export { traceRequest } from '../../src/analyze/trace/index.js';
export { renderTraces } from '../../src/render/trace.js';
