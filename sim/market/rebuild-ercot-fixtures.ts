import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Rebuilds sim/data/ercot-api/*.json: ERCOT Public API responses for a few delivery days, written from the reports'
 * published specifications (EMIL NP6-905-CD, NP4-190-CD, NP4-188-CD, NP6-331-CD, NP6-788-CD, NP6-345-CD; field names as in ERCOT's API spec
 * github.com/ercot/api-specs, pubapi-apim-api.json) with made-up but plausible prices. They are not downloads: the
 * machines that build this project cannot reach api.ercot.com. Run `npx tsx sim/market/rebuild-ercot-fixtures.ts`.
 *
 * Days: 2026-11-28 (normal, 96 quarter-hours), 2026-10-31 to 2026-11-02 (three days in a row around the fall-back
 * day 2026-11-01, 25 hours, hour ending 02 twice, the second with DSTFlag=true: what `--market ercot-replay` plays),
 * 2026-03-08 (spring-forward, 23 hours, no hour ending 03). The normal day also holds a corrected publication
 * (HB_WEST, hour ending 15 interval 3, re-posted later with another price), a malformed row (HB_SOUTH, a price that
 * is not a number) and a gap (HB_NORTH, hour ending 03 interval 2, never published), and in its SCED LMPs a malformed
 * row (HB_SOUTH 10:05, LMP `N/A`) and a gap (HB_NORTH, the 04:10 SCED run missing).
 */
const NODES = { HB_WEST: -3, HB_SOUTH: 2, HB_NORTH: 0 } as const;
const OUT = path.join(process.cwd(), 'sim', 'data', 'ercot-api');

interface Day {
  readonly date: string;
  /** Hour endings of the day in order; the repeated hour appears twice. */
  readonly hours: ReadonlyArray<{ hourEnding: number; dst: boolean }>;
}

const plainHours = Array.from({ length: 24 }, (_, i) => ({ hourEnding: i + 1, dst: false }));
const DAYS: Day[] = [
  { date: '2026-11-28', hours: plainHours },
  { date: '2026-10-31', hours: plainHours },
  { date: '2026-11-02', hours: plainHours },
  {
    date: '2026-11-01',
    hours: [...plainHours.slice(0, 2), { hourEnding: 2, dst: true }, ...plainHours.slice(2)],
  },
  { date: '2026-03-08', hours: plainHours.filter((h) => h.hourEnding !== 3) },
];

/** A daily shape: cheap at night, a peak at hour ending 18; a node's offset on top. */
const priceAt = (hourEnding: number, interval: number, offset: number) =>
  Math.round((24 + 14 * Math.sin(((hourEnding - 12 + interval / 4) / 24) * 2 * Math.PI) + offset) * 100) / 100;

const page = (fields: string[], data: unknown[][]) => ({
  _meta: { totalRecords: data.length, pageSize: data.length, totalPages: 1, currentPage: 1 },
  report: {},
  fields: fields.map((name) => ({ name, label: name, dataType: 'STRING', cardinality: 0 })),
  data,
});

function rtmSpp(day: Day) {
  const rows: unknown[][] = [];
  for (const { hourEnding, dst } of day.hours) {
    for (let interval = 1; interval <= 4; interval += 1) {
      for (const [node, offset] of Object.entries(NODES)) {
        const normal = day.date === '2026-11-28';
        if (normal && node === 'HB_NORTH' && hourEnding === 3 && interval === 2) continue;
        const posted =
          normal && node === 'HB_WEST' && hourEnding === 15 && interval === 3 ? '2026-11-28T14:50:12' : null;
        rows.push([day.date, hourEnding, interval, node, 'HU', priceAt(hourEnding, interval, offset), dst, posted]);
      }
    }
  }
  if (day.date === '2026-11-28') {
    rows.push([day.date, 15, 3, 'HB_WEST', 'HU', 21.5, false, '2026-11-28T16:20:00']);
    rows.push([day.date, 9, 1, 'HB_SOUTH', 'HU', 'N/A', false, null]);
  }
  return page(
    [
      'deliveryDate',
      'deliveryHour',
      'deliveryInterval',
      'settlementPoint',
      'settlementPointType',
      'settlementPointPrice',
      'DSTFlag',
      'postedDatetime',
    ],
    rows,
  );
}

function damSpp(day: Day) {
  const rows = day.hours.flatMap(({ hourEnding, dst }) =>
    Object.entries(NODES).map(([node, offset]) => [
      day.date,
      `${String(hourEnding).padStart(2, '0')}:00`,
      node,
      priceAt(hourEnding, 2, offset + 1),
      dst,
    ]),
  );
  return page(['deliveryDate', 'hourEnding', 'settlementPoint', 'settlementPointPrice', 'DSTFlag'], rows);
}

const AS_TYPES = { REGUP: 6, REGDN: 3, RRS: 4, NSPIN: 2, ECRS: 5 } as const;

function damMcpc(day: Day) {
  const rows = day.hours.flatMap(({ hourEnding, dst }) =>
    Object.entries(AS_TYPES).map(([type, base]) => [
      day.date,
      `${String(hourEnding).padStart(2, '0')}:00`,
      type,
      Math.max(0, Math.round((base + priceAt(hourEnding, 1, 0) / 10) * 100) / 100),
      dst,
    ]),
  );
  return page(['deliveryDate', 'hourEnding', 'ancillaryType', 'MCPC', 'DSTFlag'], rows);
}

function rtMcpc(day: Day) {
  const rows: unknown[][] = [];
  for (const { hourEnding, dst } of day.hours) {
    for (let interval = 1; interval <= 4; interval += 1) {
      for (const [type, base] of Object.entries(AS_TYPES)) {
        rows.push([
          day.date,
          hourEnding,
          interval,
          type,
          Math.round((base + priceAt(hourEnding, interval, 0) / 12) * 100) / 100,
          dst,
        ]);
      }
    }
  }
  return page(['deliveryDate', 'deliveryHour', 'deliveryInterval', 'ASType', 'MCPC', 'DSTFlag'], rows);
}

const WEATHER_ZONES = ['coast', 'east', 'farWest', 'north', 'northC', 'southern', 'southC', 'west'] as const;
/** Each zone's share of the ERCOT load (about ERCOT's own split). */
const ZONE_SHARES = [0.27, 0.03, 0.09, 0.02, 0.3, 0.08, 0.15, 0.06] as const;

/**
 * NP6-345-CD: hourly ERCOT load by weather zone and in total, for one operating day: a daily shape peaking at hour
 * ending 18, lower on weekends. On 2026-11-28 hour ending 10 carries a total that is not a number.
 */
function systemLoad(day: Day) {
  const weekday = new Date(`${day.date}T12:00:00Z`).getUTCDay();
  const weekend = weekday === 0 || weekday === 6;
  const rows = day.hours.map(({ hourEnding, dst }) => {
    const total =
      Math.round((46_000 + 9_000 * Math.sin(((hourEnding - 12) / 24) * 2 * Math.PI)) * (weekend ? 0.92 : 1) * 100) /
      100;
    const zones = ZONE_SHARES.map((share) => Math.round(total * share * 100) / 100);
    const malformed = day.date === '2026-11-28' && hourEnding === 10;
    return [day.date, `${String(hourEnding).padStart(2, '0')}:00`, ...zones, malformed ? 'N/A' : total, dst];
  });
  return page(['operatingDay', 'hourEnding', ...WEATHER_ZONES, 'total', 'DSTFlag'], rows);
}

/** Days of system load only, before the replayed ones: the 4CP outlook wants a week and more of load. */
const LOAD_ONLY_DAYS: Day[] = Array.from({ length: 21 }, (_, i) => ({
  date: new Date(Date.UTC(2026, 9, 10 + i)).toISOString().slice(0, 10),
  hours: plainHours,
}));

/** NP6-788-CD: one row per SCED run (14 s past each 5 minutes) and settlement point, wall-clock timestamps. */
function scedLmp(day: Day) {
  const rows: unknown[][] = [];
  for (const { hourEnding, dst } of day.hours) {
    for (let minute = 0; minute < 60; minute += 5) {
      const at = `${day.date}T${String(hourEnding - 1).padStart(2, '0')}:${String(minute).padStart(2, '0')}:14`;
      for (const [node, offset] of Object.entries(NODES)) {
        const normal = day.date === '2026-11-28';
        if (normal && node === 'HB_NORTH' && hourEnding === 5 && minute === 10) continue;
        const lmp = normal && node === 'HB_SOUTH' && hourEnding === 11 && minute === 5 ? 'N/A' : undefined;
        rows.push([at, dst, node, lmp ?? priceAt(hourEnding, minute / 15 + 1, offset - 0.5)]);
      }
    }
  }
  return page(['SCEDTimestamp', 'repeatHourFlag', 'settlementPoint', 'LMP'], rows);
}

mkdirSync(OUT, { recursive: true });
for (const day of DAYS) {
  const write = (report: string, body: unknown) =>
    writeFileSync(path.join(OUT, `${report}_${day.date}.json`), `${JSON.stringify(body)}\n`);
  write('np6-905-cd', rtmSpp(day));
  write('np4-190-cd', damSpp(day));
  write('np4-188-cd', damMcpc(day));
  write('np6-331-cd', rtMcpc(day));
  write('np6-788-cd', scedLmp(day));
  write('np6-345-cd', systemLoad(day));
}
for (const day of LOAD_ONLY_DAYS) {
  writeFileSync(path.join(OUT, `np6-345-cd_${day.date}.json`), `${JSON.stringify(systemLoad(day))}\n`);
}
