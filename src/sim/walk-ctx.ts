/**
 * What the stages of a walk (bridge, egress, the tunnels, the fabric between nodes) share with the walker. A stage
 * hands the packet back to the walker through `walk`, a table walk.ts fills in: the stages never import the
 * walker, so the walker and its stages import one way.
 */
import type { NodeModel } from '../model/node.js';
import type { Budget } from './budget.js';
import type { Flow } from './flow.js';
import type { HookMemo } from './hook.js';
import type { Packet } from './packet.js';
import type { Branch } from './trace.js';
import type { World } from './world.js';

/** The walker's entry points a stage continues at. */
export interface WalkEntries {
  /** A packet arrives on `pkt.iif` of `nodeName` (a frame switched by a bridge when `bridged`). */
  arrive(ctx: WalkCtx, nodeName: string, flow: Flow, pkt: Packet, bridged?: boolean): Branch[];
  /** A packet `nodeName` sends itself. */
  originate(ctx: WalkCtx, nodeName: string, flow: Flow, pkt: Packet): Branch[];
  /** ip_route_input: where a received packet goes. */
  routeInput(ctx: WalkCtx, node: NodeModel, flow: Flow, pkt: Packet): Branch[];
}

export interface WalkCtx {
  world: World;
  /** What every hook run of this walk shares: the bound on paths (budget.ts), tunnel results (hook.ts). */
  shared: { budget: Budget; memo: HookMemo };
  walk: WalkEntries;
}
