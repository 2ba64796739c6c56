export { TestApiServer } from './server.js';
export { servePods, type PodsControl, type PodsOptions } from './pods.js';
export { netnsBackend, type ExecBackend } from './exec.js';
