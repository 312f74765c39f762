import { z } from 'zod';

/**
 * The dependency-audit policy: every advisory `npm audit` reports fails CI until someone triages it into the
 * allowlist with a reason and an expiry date; an entry past its expiry fails too, so a triage is revisited rather
 * than forgotten. An expiry at most MAX_EXPIRY_DAYS ahead keeps "accepted forever" out of the list.
 */
export const MAX_EXPIRY_DAYS = 180;

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

export const allowlistEntrySchema = z.strictObject({
  /** The advisory's GHSA id, as in its github.com/advisories URL. */
  advisory: z.string().regex(/^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/, 'a GHSA id, e.g. GHSA-xxxx-xxxx-xxxx'),
  /** The package the advisory is reported against. */
  package: z.string().min(1),
  /** Why it is acceptable for now: the path it is reached by and why that path is not exploitable here. */
  reason: z.string().min(30, 'a reason that says why the advisory does not apply (30 characters or more)'),
  /** The last day the entry holds. */
  expires: isoDay,
});
export const allowlistSchema = z.strictObject({ entries: z.array(allowlistEntrySchema) });
export type AllowlistEntry = z.infer<typeof allowlistEntrySchema>;
export type Allowlist = z.infer<typeof allowlistSchema>;

/** One advisory against one package, as `npm audit --json` (report version 2) lists it. */
export interface Advisory {
  readonly advisory: string;
  readonly package: string;
  readonly severity: string;
  readonly title: string;
}

interface AuditVia {
  readonly name?: string;
  readonly url?: string;
  readonly severity?: string;
  readonly title?: string;
}
const auditReportSchema = z.object({
  auditReportVersion: z.literal(2),
  vulnerabilities: z.record(z.string(), z.object({ via: z.array(z.union([z.string(), z.looseObject({})])) })),
});

/**
 * The advisories in an `npm audit --json` report. A package listed only because it depends on a vulnerable one
 * (`via` holds a package name, not an advisory) is not an advisory of its own: its source is reported separately.
 */
export function advisoriesIn(report: unknown): Advisory[] {
  const parsed = auditReportSchema.parse(report);
  const found = new Map<string, Advisory>();
  for (const { via } of Object.values(parsed.vulnerabilities)) {
    for (const item of via) {
      if (typeof item === 'string') continue;
      const { name, url, severity, title } = item as AuditVia;
      const advisory = url?.match(/GHSA(-[a-z0-9]{4}){3}/i)?.[0] ?? url ?? 'unknown';
      const key = `${advisory}|${name}`;
      found.set(key, { advisory, package: name ?? 'unknown', severity: severity ?? 'unknown', title: title ?? '' });
    }
  }
  return [...found.values()].sort((a, b) => a.advisory.localeCompare(b.advisory) || a.package.localeCompare(b.package));
}

export interface AuditVerdict {
  /** Reported and not triaged: CI fails until each is fixed or allowlisted. */
  readonly untriaged: Advisory[];
  /** Entries past their expiry (whether or not the advisory is still reported). */
  readonly expired: AllowlistEntry[];
  /** Entries whose expiry is further ahead than the policy allows. */
  readonly tooFar: AllowlistEntry[];
  /** Reported and allowlisted: printed, not failing. */
  readonly accepted: Advisory[];
  /** Entries no advisory matches any more: they can go. */
  readonly unused: AllowlistEntry[];
  readonly passed: boolean;
}

const dayNumber = (isoDate: string) => Math.floor(Date.parse(`${isoDate}T00:00:00Z`) / 86_400_000);

/** Judges the reported advisories against the allowlist on `today` (YYYY-MM-DD, UTC). */
export function judgeAudit(advisories: readonly Advisory[], allowlist: Allowlist, today: string): AuditVerdict {
  const matches = (entry: AllowlistEntry, a: Advisory) => entry.advisory === a.advisory && entry.package === a.package;
  const expired = allowlist.entries.filter((e) => dayNumber(e.expires) < dayNumber(today));
  const tooFar = allowlist.entries.filter((e) => dayNumber(e.expires) - dayNumber(today) > MAX_EXPIRY_DAYS);
  const valid = allowlist.entries.filter((e) => !expired.includes(e) && !tooFar.includes(e));
  const untriaged = advisories.filter((a) => !valid.some((e) => matches(e, a)));
  const accepted = advisories.filter((a) => valid.some((e) => matches(e, a)));
  const unused = allowlist.entries.filter((e) => !advisories.some((a) => matches(e, a)));
  return {
    untriaged,
    expired,
    tooFar,
    accepted,
    unused,
    passed: untriaged.length === 0 && expired.length === 0 && tooFar.length === 0,
  };
}

/** The verdict as the lines CI prints: what fails and what to do about each. */
export function describeVerdict(verdict: AuditVerdict, allowlistPath: string): string[] {
  const advisoryLine = (a: Advisory) => `${a.advisory} ${a.package} (${a.severity}): ${a.title}`;
  return [
    ...verdict.untriaged.map((a) => `FAIL untriaged: ${advisoryLine(a)}; fix it or add it to ${allowlistPath}`),
    ...verdict.expired.map((e) => `FAIL expired ${e.expires}: ${e.advisory} ${e.package}; re-triage or remove it`),
    ...verdict.tooFar.map(
      (e) => `FAIL expires ${e.expires}, more than ${MAX_EXPIRY_DAYS} days ahead: ${e.advisory} ${e.package}`,
    ),
    ...verdict.accepted.map((a) => `accepted: ${advisoryLine(a)}`),
    ...verdict.unused.map((e) => `unused entry (no longer reported, can go): ${e.advisory} ${e.package}`),
    verdict.passed ? 'audit: passed' : 'audit: FAILED',
  ];
}
