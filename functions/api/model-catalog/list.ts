import { READ_ONLY_REFERENCE_ROLES } from '../../../core/api/access.js';
import { apiHandler } from '../handler.js';
import { listModelVersions } from './requests.js';

export const handler = apiHandler(READ_ONLY_REFERENCE_ROLES, listModelVersions);
