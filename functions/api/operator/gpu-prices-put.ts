import { ADMIN_ROLES } from '../../../core/api/access.js';
import { apiHandler } from '../handler.js';
import { putGpuPrices } from './gpu-prices.js';

export const handler = apiHandler(ADMIN_ROLES, putGpuPrices);
