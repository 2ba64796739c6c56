export { TestApiServer, type ApiServerOptions, type Denial, type Fault, type FaultAction, type Intent, type Route, type RouteContext } from './server.js';
export { testCertificate } from './tls.js';
export { servePods, type PodsControl, type PodsOptions } from './pods.js';
export { netnsBackend, execStatus, type ExecBackend, type ExecResult } from './exec.js';
