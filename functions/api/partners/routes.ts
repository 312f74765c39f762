import { ADMIN_ROLES, CUSTOMER_ROLES, TENANT_ADMIN_ROLES } from '../../../core/api/access.js';
import { partnerCatalogueBodySchema, partnerCatalogueViewSchema } from '../../../core/partners/catalogue.js';
import { partnerSettingsBodySchema, partnerSettingsViewSchema } from '../../../core/partners/settings.js';
import type { ApiRoute } from '../route.js';
import { BODY_ERRORS, errorResponses as errors, loadHandler as load } from '../route-helpers.js';

/** Partner overflow (#28 item 3): the catalogue of partner clouds and each tenant's settings. */
export const partnerRoutes: ApiRoute[] = [
  {
    method: 'GET',
    resource: '/v1/partners',
    entry: 'functions/api/partners/partners-get.ts',
    roles: TENANT_ADMIN_ROLES,
    operationId: 'listPartners',
    summary:
      'For the admins choosing them: the partner clouds work may overflow to when no site can meet a deadline: region and prices',
    tags: ['partners'],
    responses: {
      200: { description: 'The catalogue (empty until an admin sets it)', schema: partnerCatalogueViewSchema },
      ...errors(),
    },
    load: () => load(import('./partners-get.js')),
  },
  {
    method: 'PUT',
    resource: '/v1/partners',
    entry: 'functions/api/partners/partners-put.ts',
    roles: ADMIN_ROLES,
    operationId: 'putPartners',
    summary: 'Replaces the partner catalogue; the router offers overflow work to it from its next run',
    tags: ['partners'],
    request: { body: partnerCatalogueBodySchema },
    responses: {
      200: { description: 'The catalogue as stored', schema: partnerCatalogueViewSchema },
      ...errors(...BODY_ERRORS),
    },
    load: () => load(import('./partners-put.js')),
  },
  {
    method: 'GET',
    resource: '/v1/partner-settings',
    entry: 'functions/api/partners/settings-get.ts',
    roles: CUSTOMER_ROLES,
    operationId: 'getPartnerSettings',
    summary: 'Whether and where the tenant’s work may overflow to partner clouds (null: never)',
    tags: ['partners'],
    responses: { 200: { description: 'The settings', schema: partnerSettingsViewSchema }, ...errors() },
    load: () => load(import('./settings-get.js')),
  },
  {
    method: 'PUT',
    resource: '/v1/partner-settings',
    entry: 'functions/api/partners/settings-put.ts',
    roles: TENANT_ADMIN_ROLES,
    operationId: 'putPartnerSettings',
    summary: 'Sets the allowed partners, data regions and price cap per million tokens for overflow work',
    tags: ['partners'],
    request: { body: partnerSettingsBodySchema },
    responses: {
      200: { description: 'The settings as stored', schema: partnerSettingsViewSchema },
      ...errors(422, ...BODY_ERRORS),
    },
    load: () => load(import('./settings-put.js')),
  },
];
