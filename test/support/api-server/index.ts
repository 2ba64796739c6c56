export { TestApiServer, type ApiServerOptions, type Denial, type Fault, type FaultAction, type Intent, type Route, type RouteContext } from './server.js';
export { testCertificate } from './tls.js';
