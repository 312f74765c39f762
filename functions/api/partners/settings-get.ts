import { CUSTOMER_ROLES } from '../../../core/api/access.js';
import { apiHandler } from '../handler.js';
import { getPartnerSettings } from './partners.js';

export const handler = apiHandler(CUSTOMER_ROLES, getPartnerSettings);
