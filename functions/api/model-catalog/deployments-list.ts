import { OPERATOR_ROLES } from '../../../core/api/access.js';
import { apiHandler } from '../handler.js';
import { listPoolDeployments } from './requests.js';

export const handler = apiHandler(OPERATOR_ROLES, listPoolDeployments);
