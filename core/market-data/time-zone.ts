const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Offsets already worked out, by zone and UTC second: the forecasters ask for the same interval times again and again. */
const offsetCache = new Map<string, number>();
const OFFSET_CACHE_SIZE = 100_000;

/** Offset of `timeZone` from UTC at the instant `utcMs`, in minutes (Central daylight time: −300). */
export function zoneOffsetMinutes(utcMs: number, timeZone: string): number {
  const key = `${timeZone}|${Math.floor(utcMs / 1000)}`;
  const cached = offsetCache.get(key);
  if (cached !== undefined) return cached;
  const offset = computeOffsetMinutes(utcMs, timeZone);
  if (offsetCache.size >= OFFSET_CACHE_SIZE) offsetCache.clear();
  offsetCache.set(key, offset);
  return offset;
}

function computeOffsetMinutes(utcMs: number, timeZone: string): number {
  const parts = Object.fromEntries(
    formatterFor(timeZone)
      .formatToParts(utcMs)
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60_000);
}

/**
 * UTC instant of a wall-clock time in `timeZone`. An ambiguous time (the repeated hour when DST ends) maps to its
 * first occurrence; a time that does not exist (the skipped hour when DST starts) maps as if standard time went on.
 */
export function zonedWallTimeToUtcMs(
  wall: { year: number; month: number; day: number; hour: number; minute: number; second: number },
  timeZone: string,
): number {
  const naiveUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  // Two fixed-point passes settle the offset, except inside a DST transition where they disagree.
  const firstGuess = naiveUtc - zoneOffsetMinutes(naiveUtc, timeZone) * 60_000;
  const secondGuess = naiveUtc - zoneOffsetMinutes(firstGuess, timeZone) * 60_000;
  // A guess is right when its own offset maps it back to the wall time. Just after the repeated hour (02:00 on the
  // fall-back day) only the later guess is; taking the earlier one would land on the repeated hour.
  const exact = [firstGuess, secondGuess].filter(
    (guess) => guess + zoneOffsetMinutes(guess, timeZone) * 60_000 === naiveUtc,
  );
  return Math.min(...(exact.length > 0 ? exact : [firstGuess, secondGuess]));
}

const hourOffsetCache = new Map<string, number>();
/**
 * Wall-clock minutes since the epoch in `timeZone` (local time read as if it were UTC). Offsets are memoised per UTC
 * hour, since Intl is slow and every zone in use changes its offset only on the hour.
 */
export function localWallMinutes(utcMs: number, timeZone: string): number {
  const hourMs = Math.floor(utcMs / 3_600_000) * 3_600_000;
  const key = `${timeZone}|${hourMs}`;
  let offset = hourOffsetCache.get(key);
  if (offset === undefined) {
    offset = zoneOffsetMinutes(hourMs, timeZone);
    if (hourOffsetCache.size > 200_000) hourOffsetCache.clear();
    hourOffsetCache.set(key, offset);
  }
  return Math.floor(utcMs / 60_000) + offset;
}

/**
 * The instant showing the same wall-clock time as `utcMs` in `timeZone`, `days` calendar days later (negative: earlier).
 * Across a DST change this is 23 or 25 hours per day away, not 24: 14:00 Central stays 14:00 Central.
 */
export function shiftLocalDays(utcMs: number, days: number, timeZone: string): number {
  const wallMs = (localWallMinutes(utcMs, timeZone) + days * 1440) * 60_000 + (utcMs % 60_000);
  const wall = new Date(wallMs);
  return (
    zonedWallTimeToUtcMs(
      {
        year: wall.getUTCFullYear(),
        month: wall.getUTCMonth() + 1,
        day: wall.getUTCDate(),
        hour: wall.getUTCHours(),
        minute: wall.getUTCMinutes(),
        second: wall.getUTCSeconds(),
      },
      timeZone,
    ) + wall.getUTCMilliseconds()
  );
}
