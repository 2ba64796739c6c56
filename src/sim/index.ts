/** The packet-path simulator: pure, from node models to a list of branches. */
export { simulate, type Start } from './walk.js';
export { newPacket, describePacket, hostPort, viewOf, type Packet, type PacketView, type L4Proto } from './packet.js';
export { makeWorld, type World, type PodInfo } from './world.js';
export { overallDisposition, mergeBranches, groupPaths, oneOfEachWay, probabilitySum, GROUP_ABOVE } from './summary.js';
export { lookupRoute, describeRoute, type RouteResult } from './route.js';
export * from './trace.js';
