import { CUSTOMER_ROLES } from '../../../core/api/access.js';
import {
  bidListSchema,
  bidPathSchema,
  bidViewSchema,
  clearingHistorySchema,
  listBidsQuerySchema,
} from '../../../core/api/bids.js';
import { amendBidBodySchema, bidSchema, placeBidBodySchema } from '../../../core/bids/bid.js';
import type { ApiRoute } from '../route.js';
import { BODY_ERRORS, errorResponses as errors, loadHandler as load } from '../route-helpers.js';

/** Customers' bids for flex GPU capacity (issue 28): place, amend, cancel, list, and the clearing history. */
export const bidRoutes: ApiRoute[] = [
  {
    method: 'POST',
    resource: '/v1/bids',
    entry: 'functions/api/bids/place.ts',
    roles: CUSTOMER_ROLES,
    operationId: 'placeBid',
    tenantScoped: true,
    summary:
      'Place a bid for flex GPU capacity (422 naming the rule: below_floor, window_in_past, window_shorter_than_job)',
    tags: ['bids'],
    request: { body: placeBidBodySchema },
    responses: {
      201: { description: 'Placed, open', schema: bidSchema, headers: ['Location'] },
      ...errors(422, ...BODY_ERRORS),
    },
    load: () => load(import('./place.js')),
  },
  {
    method: 'GET',
    resource: '/v1/bids',
    entry: 'functions/api/bids/list.ts',
    roles: CUSTOMER_ROLES,
    operationId: 'listBids',
    tenantScoped: true,
    summary: 'The tenant’s bids with their fills, in placement order',
    tags: ['bids'],
    request: { query: listBidsQuerySchema },
    responses: { 200: { description: 'The bids', schema: bidListSchema }, ...errors() },
    load: () => load(import('./list.js')),
  },
  {
    method: 'GET',
    resource: '/v1/bids/clearings',
    entry: 'functions/api/bids/clearings.ts',
    roles: CUSTOMER_ROLES,
    operationId: 'listBidClearings',
    tenantScoped: true,
    summary: 'The clearing history of the tenant’s bids: every fill with its interval’s uniform price',
    tags: ['bids'],
    responses: { 200: { description: 'The fills', schema: clearingHistorySchema }, ...errors() },
    load: () => load(import('./clearings.js')),
  },
  {
    method: 'GET',
    resource: '/v1/bids/{bidId}',
    entry: 'functions/api/bids/get.ts',
    roles: CUSTOMER_ROLES,
    operationId: 'getBid',
    tenantScoped: true,
    summary:
      'One bid: its fills (venue, price, partner cost and margin) with how each fill’s work went, and why an expired bid was not filled',
    tags: ['bids'],
    request: { path: bidPathSchema },
    responses: { 200: { description: 'The bid', schema: bidViewSchema }, ...errors(404) },
    load: () => load(import('./get.js')),
  },
  {
    method: 'PATCH',
    resource: '/v1/bids/{bidId}',
    entry: 'functions/api/bids/amend.ts',
    roles: CUSTOMER_ROLES,
    operationId: 'amendBid',
    tenantScoped: true,
    summary: 'Change an open bid’s amount, limit or window (the same 422 rules as placing it)',
    tags: ['bids'],
    request: { path: bidPathSchema, body: amendBidBodySchema },
    responses: {
      200: { description: 'The amended bid', schema: bidSchema },
      ...errors(404, 409, 422, ...BODY_ERRORS),
    },
    load: () => load(import('./amend.js')),
  },
  {
    method: 'POST',
    resource: '/v1/bids/{bidId}/cancel',
    entry: 'functions/api/bids/cancel.ts',
    roles: CUSTOMER_ROLES,
    operationId: 'cancelBid',
    tenantScoped: true,
    summary: 'Cancel an open bid: it is never filled afterwards; fills before the cancel stand',
    tags: ['bids'],
    request: { path: bidPathSchema },
    responses: { 200: { description: 'The cancelled bid', schema: bidSchema }, ...errors(404, 409) },
    load: () => load(import('./cancel.js')),
  },
];
