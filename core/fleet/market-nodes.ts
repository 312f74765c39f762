import { z } from 'zod';

/**
 * ERCOT settlement points a site may price at: the trading hubs and the load zones (ERCOT Nodal Protocols 3.5 and
 * the settlement point list of the RT/DAM SPP reports, NP6-905-CD / NP4-190-CD). Resource nodes join this list when
 * the market feed supplies their prices; until then a site at a resource node is registered at its load zone.
 */
export const ERCOT_HUBS = [
  'HB_BUSAVG',
  'HB_HOUSTON',
  'HB_HUBAVG',
  'HB_NORTH',
  'HB_PAN',
  'HB_SOUTH',
  'HB_WEST',
] as const;
export const ERCOT_LOAD_ZONES = [
  'LZ_AEN',
  'LZ_CPS',
  'LZ_HOUSTON',
  'LZ_LCRA',
  'LZ_NORTH',
  'LZ_RAYBN',
  'LZ_SOUTH',
  'LZ_WEST',
] as const;
export const ERCOT_MARKET_NODES: readonly string[] = [...ERCOT_HUBS, ...ERCOT_LOAD_ZONES];

export const marketNodeSchema = z.string().refine((node) => ERCOT_MARKET_NODES.includes(node), {
  message: `unknown ERCOT settlement point: one of ${ERCOT_MARKET_NODES.join(', ')}`,
});
