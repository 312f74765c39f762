import { ADMIN_ROLES } from '../../../core/api/access.js';
import { apiHandler } from '../handler.js';
import { putPartners } from './partners.js';

export const handler = apiHandler(ADMIN_ROLES, putPartners);
