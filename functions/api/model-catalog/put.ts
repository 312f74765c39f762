import { ADMIN_ROLES } from '../../../core/api/access.js';
import { apiHandler } from '../handler.js';
import { putModelVersion } from './requests.js';

export const handler = apiHandler(ADMIN_ROLES, putModelVersion);
