/** The packet-path simulator: pure, from node models to a list of branches. */
export { simulate, type Start } from './walk.js';
export { newPacket } from './packet.js';
export { makeWorld } from './world.js';
export { overallDisposition, mergeBranches, groupPaths, oneOfEachWay, probabilitySum } from './summary.js';
export * from './trace.js';
