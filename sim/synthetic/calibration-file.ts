import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Calibration, calibrationSchema } from '../../core/synthetic/calibration.js';

/** The committed calibration (written by calibrate.ts); resolved from the project root. */
export const CALIBRATION_FILE = path.resolve(process.cwd(), 'core', 'synthetic', 'calibration', 'ercot-hb-south.json');

export function loadCalibration(file = CALIBRATION_FILE): Calibration {
  const result = calibrationSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`${file}: ${problems.join('; ')} (re-run npm run calibrate)`);
  }
  return result.data;
}
