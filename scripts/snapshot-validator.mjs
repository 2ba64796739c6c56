// Build step after tsc: compiles schemas/snapshot.schema.json once, here, into dist/snapshot/snapshot-validate.cjs
// (ajv's standalone code: the same checks and error objects as compiling the schema at run time, which costs
// ~150 ms and ajv's ~60 modules on every `--snapshot` load). src/snapshot/io.ts loads it when it is there.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const schema = JSON.parse(readFileSync(path.join(root, 'schemas', 'snapshot.schema.json'), 'utf8'));
// The same options as the run-time compile in src/snapshot/io.ts.
const ajv = new Ajv({ allErrors: true, strict: false, code: { source: true } });
writeFileSync(path.join(root, 'dist', 'snapshot', 'snapshot-validate.cjs'), standaloneCode.default(ajv, ajv.compile(schema)));
