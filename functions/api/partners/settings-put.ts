import { TENANT_ADMIN_ROLES } from '../../../core/api/access.js';
import { apiHandler } from '../handler.js';
import { putPartnerSettings } from './partners.js';

export const handler = apiHandler(TENANT_ADMIN_ROLES, putPartnerSettings);
