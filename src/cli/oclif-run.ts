/**
 * oclif's run(), imported by name here so that main.ts can load it on demand: a dynamic import of oclif (CommonJS)
 * from a bundle yields only its default export, a static named import works in both the bundle and plain Node.
 */
export { run } from '@oclif/core';
