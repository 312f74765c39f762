import { referenceSiteConfigs } from '../../core/fleet/reference-fleet.js';
import { type SiteConfig, siteConfigSchema } from '../../core/fleet/site-config.js';

/**
 * `npm start -- --fleet mixed`: the reference fleet with Pecos West on three firmwares, as a site bought in pieces
 * is: its S21s on LuxOS (curtail and profiles), its S19 XPs on Braiins OS+ (pause/resume and any power target), and a
 * container of Whatsminer M60S on stock firmware (cgminer API, monitoring only: always on, no ladder rung).
 */
const west = referenceSiteConfigs.find((s) => s.id === 'site-west-1')!;
const [s21, s19xp] = west.asicGroups;

export const mixedWest: SiteConfig = siteConfigSchema.parse({
  ...west,
  asicGroups: [
    { ...s21!, unitCount: 3000 },
    // Braiins OS+ serves its API over HTTP on port 80.
    { ...s19xp!, driver: 'braiins', addresses: { ...s19xp!.addresses, port: 80 } },
    {
      id: 'west-m60s-stock',
      model: 'whatsminer-m60s',
      // 500 × 3,441 W = 1.7 MW held on whatever the price.
      unitCount: 500,
      driver: 'cgminer',
      addresses: { kind: 'range', first: '10.1.40.1', last: '10.1.41.244', port: 4028 },
      minOnMinutes: 15,
      minOffMinutes: 10,
      frequencyTrip: false,
    },
  ],
});

export const FLEETS = {
  reference: referenceSiteConfigs,
  mixed: referenceSiteConfigs.map((site) => (site.id === mixedWest.id ? mixedWest : site)),
} as const satisfies Record<string, readonly SiteConfig[]>;
export type FleetName = keyof typeof FLEETS;
