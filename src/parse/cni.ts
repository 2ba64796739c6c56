/** Entry point for the CNI parsers (the implementation lives in parse/cni/). */
export * from './cni/index.js';
