import type { FieldIssue } from '../../../core/support/validation.js';
import type { BidChangeResult } from '../../shared/data/bid-store.js';
import { HttpError } from '../../shared/http.js';
import { notFound } from '../handler.js';

/** The 422 of a bid that breaks a rule of core/bids/bid.ts, naming each. */
export const bidRulesBroken = (issues: FieldIssue[]) =>
  new HttpError(422, 'bid-rules', issues.map((i) => `${i.field}: ${i.message}`).join('; '), issues);

/** A failed amend or cancel as its 404 or 409. */
export function bidChangeRefused(bidId: string, result: Exclude<BidChangeResult, { ok: true }>): HttpError {
  if (result.reason === 'not-found') return notFound('bid', bidId);
  if (result.reason === 'changed') {
    return new HttpError(
      409,
      'bid-changed',
      `bid ${bidId} changed while this request ran (a clearing filled it); retry`,
      [{ field: 'version', rule: 'stale', message: 'the bid changed since it was read' }],
    );
  }
  return new HttpError(409, 'bid-not-open', `bid ${bidId} is ${result.status}; only an open bid can change`, [
    { field: 'status', rule: 'not_open', message: `status is ${result.status}` },
  ]);
}
