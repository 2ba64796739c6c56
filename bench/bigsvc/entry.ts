/** What the big-service bench needs, compiled by bench/bigsvc/tsconfig.json: the snapshot generator the tests use. */
export { bigServiceSnapshot, BASE_SNAPSHOT, BIG } from '../../test/support/big-service.js';
export { serializeSnapshot } from '../../src/snapshot/io.js';
