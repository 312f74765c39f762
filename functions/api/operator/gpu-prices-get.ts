import { OPERATOR_ROLES } from '../../../core/api/access.js';
import { apiHandler } from '../handler.js';
import { getGpuPrices } from './gpu-prices.js';

export const handler = apiHandler(OPERATOR_ROLES, getGpuPrices);
