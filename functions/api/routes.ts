import { z } from 'zod';
import { ADMIN_ROLES, CUSTOMER_ROLES, TENANT_ADMIN_ROLES } from '../../core/api/access.js';
import {
  apiKeyListSchema,
  apiKeyPathSchema,
  apiKeySchema,
  createApiKeyBodySchema,
  createdApiKeySchema,
  tenantScopeQuerySchema,
} from '../../core/api/api-keys.js';
import {
  auditPageSchema,
  auditQuerySchema,
  auditVerifyQuerySchema,
  chainVerificationSchema,
} from '../../core/api/audit.js';
import {
  createTenantBodySchema,
  listTenantsQuerySchema,
  putUserRoleBodySchema,
  tenantPageSchema,
  tenantPathSchema,
  tenantSchema,
  userPathSchema,
  userRoleSchema,
} from '../../core/api/tenants.js';
import { usageQuerySchema, usageSummarySchema } from '../../core/api/usage.js';
import {
  idempotencyHeadersSchema,
  listWorkloadsQuerySchema,
  submitWorkloadBodySchema,
  workloadPageSchema,
  workloadPathSchema,
  workloadViewSchema,
} from '../../core/api/workloads.js';
import { operatorRoutes } from './operator/routes.js';
import type { ApiRoute } from './route.js';
import { BODY_ERRORS, errorResponses as errors, loadHandler as load } from './route-helpers.js';

/**
 * The customer, admin and public routes of the API, one table for the CDK ApiStack, the local adapter
 * (sim/local/api-routes.ts) and the OpenAPI document. Operator routes live in ./operator/routes.ts and join them in
 * API_ROUTES.
 */

const healthSchema = z.object({
  status: z.literal('ok'),
  service: z.string(),
  stage: z.string().optional(),
  time: z.string(),
});

export const publicRoutes: ApiRoute[] = [
  {
    method: 'GET',
    resource: '/v1/health',
    entry: 'functions/api/health.ts',
    roles: 'public',
    operationId: 'getHealth',
    summary: 'Liveness of the API path',
    tags: ['public'],
    responses: { 200: { description: 'Up', schema: healthSchema }, 500: errors()[500]! },
    load: () => load(import('./health.js')),
  },
  {
    method: 'GET',
    resource: '/v1/openapi.json',
    entry: 'functions/api/openapi/get.ts',
    roles: 'public',
    operationId: 'getOpenApi',
    summary: 'This API’s OpenAPI 3.1 document',
    tags: ['public'],
    responses: { 200: { description: 'The document', schema: z.record(z.string(), z.unknown()) }, 500: errors()[500]! },
    load: () => load(import('./openapi/get.js')),
  },
];

export const customerRoutes: ApiRoute[] = [
  {
    method: 'POST',
    resource: '/v1/workloads',
    entry: 'functions/api/workloads/submit.ts',
    roles: CUSTOMER_ROLES,
    operationId: 'submitWorkload',
    summary: 'Submit an inference workload (idempotent on Idempotency-Key)',
    tags: ['workloads'],
    request: { headers: idempotencyHeadersSchema, body: submitWorkloadBodySchema },
    responses: {
      201: {
        description: 'Accepted (a repeat of the same request returns the first response)',
        schema: workloadViewSchema,
      },
      ...errors(422, ...BODY_ERRORS),
    },
    load: () => load(import('./workloads/submit.js')),
  },
  {
    method: 'GET',
    resource: '/v1/workloads',
    entry: 'functions/api/workloads/list.ts',
    roles: CUSTOMER_ROLES,
    operationId: 'listWorkloads',
    summary: 'List the tenant’s workloads, oldest first, with filters and a cursor',
    tags: ['workloads'],
    request: { query: listWorkloadsQuerySchema },
    responses: { 200: { description: 'A page', schema: workloadPageSchema }, ...errors() },
    load: () => load(import('./workloads/list.js')),
  },
  {
    method: 'GET',
    resource: '/v1/workloads/{workloadId}',
    entry: 'functions/api/workloads/get.ts',
    roles: CUSTOMER_ROLES,
    operationId: 'getWorkload',
    summary: 'One workload of the tenant',
    tags: ['workloads'],
    request: { path: workloadPathSchema },
    responses: { 200: { description: 'The workload', schema: workloadViewSchema }, ...errors(404) },
    load: () => load(import('./workloads/get.js')),
  },
  {
    method: 'POST',
    resource: '/v1/workloads/{workloadId}/cancel',
    entry: 'functions/api/workloads/cancel.ts',
    roles: CUSTOMER_ROLES,
    operationId: 'cancelWorkload',
    summary: 'Cancel a workload that has not started (accepted, queued or preempted)',
    tags: ['workloads'],
    request: { path: workloadPathSchema },
    responses: { 200: { description: 'Cancelled', schema: workloadViewSchema }, ...errors(404, 409) },
    load: () => load(import('./workloads/cancel.js')),
  },
  {
    method: 'GET',
    resource: '/v1/usage',
    entry: 'functions/api/usage/get.ts',
    roles: CUSTOMER_ROLES,
    operationId: 'getUsage',
    summary: 'Usage and cost of a calendar month: GPU-seconds, tokens, energy attributed, price',
    tags: ['usage'],
    request: { query: usageQuerySchema },
    responses: {
      200: { description: 'Sums (zeros for a month without usage)', schema: usageSummarySchema },
      ...errors(),
    },
    load: () => load(import('./usage/get.js')),
  },
];

export const adminRoutes: ApiRoute[] = [
  {
    method: 'POST',
    resource: '/v1/tenants',
    entry: 'functions/api/tenants/create.ts',
    roles: ADMIN_ROLES,
    operationId: 'createTenant',
    summary: 'Create a tenant on a usage plan',
    tags: ['admin'],
    request: { body: createTenantBodySchema },
    responses: { 201: { description: 'Created', schema: tenantSchema }, ...errors(409, ...BODY_ERRORS) },
    load: () => load(import('./tenants/create.js')),
  },
  {
    method: 'GET',
    resource: '/v1/tenants',
    entry: 'functions/api/tenants/list.ts',
    roles: ADMIN_ROLES,
    operationId: 'listTenants',
    summary: 'List tenants',
    tags: ['admin'],
    request: { query: listTenantsQuerySchema },
    responses: { 200: { description: 'A page', schema: tenantPageSchema }, ...errors() },
    load: () => load(import('./tenants/list.js')),
  },
  {
    method: 'GET',
    resource: '/v1/tenants/{tenantId}',
    entry: 'functions/api/tenants/get.ts',
    roles: ADMIN_ROLES,
    operationId: 'getTenant',
    summary: 'One tenant',
    tags: ['admin'],
    request: { path: tenantPathSchema },
    responses: { 200: { description: 'The tenant', schema: tenantSchema }, ...errors(404) },
    load: () => load(import('./tenants/get.js')),
  },
  {
    method: 'PUT',
    resource: '/v1/tenants/{tenantId}/users/{userId}',
    entry: 'functions/api/tenants/put-user-role.ts',
    roles: TENANT_ADMIN_ROLES,
    operationId: 'putUserRole',
    summary: 'Set a user’s role (customer-admins: own tenant, customer roles only)',
    tags: ['admin'],
    request: { path: userPathSchema, body: putUserRoleBodySchema },
    responses: { 200: { description: 'The role as set', schema: userRoleSchema }, ...errors(404, ...BODY_ERRORS) },
    load: () => load(import('./tenants/put-user-role.js')),
  },
  {
    method: 'POST',
    resource: '/v1/api-keys',
    entry: 'functions/api/api-keys/create.ts',
    roles: TENANT_ADMIN_ROLES,
    operationId: 'createApiKey',
    summary: 'Create an API key; the secret is returned once',
    tags: ['admin'],
    request: { body: createApiKeyBodySchema },
    responses: {
      201: { description: 'Created, with the secret', schema: createdApiKeySchema },
      ...errors(404, ...BODY_ERRORS),
    },
    load: () => load(import('./api-keys/create.js')),
  },
  {
    method: 'GET',
    resource: '/v1/api-keys',
    entry: 'functions/api/api-keys/list.ts',
    roles: TENANT_ADMIN_ROLES,
    operationId: 'listApiKeys',
    summary: 'List a tenant’s API keys (no secrets)',
    tags: ['admin'],
    request: { query: tenantScopeQuerySchema },
    responses: { 200: { description: 'The keys', schema: apiKeyListSchema }, ...errors(404) },
    load: () => load(import('./api-keys/list.js')),
  },
  {
    method: 'DELETE',
    resource: '/v1/api-keys/{keyId}',
    entry: 'functions/api/api-keys/revoke.ts',
    roles: TENANT_ADMIN_ROLES,
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key',
    tags: ['admin'],
    request: { path: apiKeyPathSchema, query: tenantScopeQuerySchema },
    responses: { 200: { description: 'The revoked key', schema: apiKeySchema }, ...errors(404) },
    load: () => load(import('./api-keys/revoke.js')),
  },
  {
    method: 'GET',
    resource: '/v1/audit',
    entry: 'functions/api/audit/list.ts',
    roles: ADMIN_ROLES,
    operationId: 'listAudit',
    summary: 'Audit log entries of a chain, oldest first',
    tags: ['admin'],
    request: { query: auditQuerySchema },
    responses: { 200: { description: 'A page', schema: auditPageSchema }, ...errors() },
    load: () => load(import('./audit/list.js')),
  },
  {
    method: 'GET',
    resource: '/v1/audit/verify',
    entry: 'functions/api/audit/verify.ts',
    roles: ADMIN_ROLES,
    operationId: 'verifyAudit',
    summary: 'Verify an audit chain’s hashes; names the first bad entry',
    tags: ['admin'],
    request: { query: auditVerifyQuerySchema },
    responses: { 200: { description: 'The verification', schema: chainVerificationSchema }, ...errors() },
    load: () => load(import('./audit/verify.js')),
  },
];

/** Every route of the API. */
export const API_ROUTES: readonly ApiRoute[] = [...publicRoutes, ...customerRoutes, ...adminRoutes, ...operatorRoutes];
