import { zoneOffsetMinutes } from '../market-data/time-zone.js';

export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;

/** Wall-clock position of an instant in a time zone: what seasonality, arrival rates and 4CP windows follow. */
export interface LocalCalendar {
  /** 0–23 */
  readonly hour: number;
  readonly minute: number;
  /** Hour with its fraction, 0 ≤ x < 24. */
  readonly hourOfDay: number;
  /** 0 = Sunday … 6 = Saturday. */
  readonly dayOfWeek: number;
  /** 1 = January … 12 = December. */
  readonly month: number;
  /** 1–366 */
  readonly dayOfYear: number;
  /** `YYYY-MM-DD` of the local day. */
  readonly localDate: string;
  /** `YYYY-MM-DD HH:mm:ss`, the layout of the shared ERCOT file. */
  readonly localWallTime: string;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * Zone offsets change only at quarter-hour boundaries (DST transitions fall on whole minutes of :00/:30/:45), so the
 * offset is memoised per 15-minute bucket: Intl is ~20 µs a call and generators ask once per job.
 */
const offsetCache = new Map<string, number>();
function cachedOffsetMinutes(utcMs: number, timeZone: string): number {
  const bucketMs = Math.floor(utcMs / (15 * MS_PER_MINUTE)) * 15 * MS_PER_MINUTE;
  const key = `${timeZone}|${bucketMs}`;
  let offset = offsetCache.get(key);
  if (offset === undefined) {
    if (offsetCache.size > 100_000) offsetCache.clear();
    offset = zoneOffsetMinutes(bucketMs, timeZone);
    offsetCache.set(key, offset);
  }
  return offset;
}

export function localCalendar(utcMs: number, timeZone: string): LocalCalendar {
  const wall = new Date(utcMs + cachedOffsetMinutes(utcMs, timeZone) * MS_PER_MINUTE);
  const year = wall.getUTCFullYear();
  const month = wall.getUTCMonth() + 1;
  const day = wall.getUTCDate();
  const hour = wall.getUTCHours();
  const minute = wall.getUTCMinutes();
  const localDate = `${year}-${pad(month)}-${pad(day)}`;
  return {
    hour,
    minute,
    hourOfDay: hour + minute / 60,
    dayOfWeek: wall.getUTCDay(),
    month,
    dayOfYear: Math.floor((Date.UTC(year, month - 1, day) - Date.UTC(year, 0, 1)) / MS_PER_DAY) + 1,
    localDate,
    localWallTime: `${localDate} ${pad(hour)}:${pad(minute)}:${pad(wall.getUTCSeconds())}`,
  };
}

export const isWeekend = (calendar: LocalCalendar) => calendar.dayOfWeek === 0 || calendar.dayOfWeek === 6;

/** ISO instant without milliseconds, as the contracts spell them. */
export const isoInstant = (utcMs: number) => new Date(utcMs).toISOString().replace('.000Z', 'Z');
