import { OPERATOR_ROLES } from '../../../core/api/access.js';
import { apiHandler } from '../handler.js';
import { listModelVersions } from './requests.js';

export const handler = apiHandler(OPERATOR_ROLES, listModelVersions);
