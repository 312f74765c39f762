import { TENANT_ADMIN_ROLES } from '../../../core/api/access.js';
import { apiHandler } from '../handler.js';
import { getPartners } from './partners.js';

export const handler = apiHandler(TENANT_ADMIN_ROLES, getPartners);
