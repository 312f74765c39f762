/**
 * The SunSpec register map of a three-phase revenue meter (SunSpec Information Model, model 203 "Wye-Connect Three
 * Phase Meter", integer + scale factor), as the gateway reads it and the virtual meter serves it. Pure: encoding and
 * decoding only; sunspec-meter.ts does the Modbus TCP.
 *
 * Layout (holding registers, 0-based PDU addresses; documentation usually counts from 40001):
 *   40000-40001 'SunS' (0x5375 0x6E53), the SunSpec marker
 *   40002       1, common model id;  40003  66, its length (Mn, Md, Opt, Vr, SN, DA, Pad)
 *   40070       203, meter model id; 40071  105, its length
 *   40072 +  0  A      total AC current          +  4 A_SF
 *         + 14  Hz     frequency                 + 15 Hz_SF
 *         + 16  W      total real power (int16)  + 20 W_SF   (sunssf: value × 10^SF)
 *         + 44  TotWhImp, real energy imported (acc32, two registers, high word first)  + 52 TotWh_SF
 * Offsets as published in the SunSpec model 203 point list (also used by Fronius, SolarEdge and Carlo Gavazzi
 * meters); a reader walks the model chain from 40002 rather than trusting fixed addresses, since vendors differ in
 * the common model's length (65 or 66). `0x8000` in an int16 or sunssf register means "not implemented".
 */

export const SUNSPEC_BASE = 40_000;
export const SUNSPEC_MARKER = [0x5375, 0x6e53] as const;
export const COMMON_MODEL_ID = 1;
export const COMMON_MODEL_LENGTH = 66;
export const METER_MODEL_IDS = [201, 202, 203, 204] as const;
export const METER_MODEL_LENGTH = 105;
export const END_MODEL_ID = 0xffff;
export const NOT_IMPLEMENTED = 0x8000;

/** Point offsets inside a meter model's body (after its id and length). */
export const METER_POINTS = {
  A: 0,
  A_SF: 4,
  Hz: 14,
  Hz_SF: 15,
  W: 16,
  W_SF: 20,
  TotWhImp: 44,
  TotWh_SF: 52,
} as const;
/** Registers a reader fetches in one request: the body up to TotWh_SF. */
export const METER_READ_LENGTH = METER_POINTS.TotWh_SF + 1;

export interface MeterValues {
  readonly powerW: number;
  readonly frequencyHz: number;
  readonly importedWh: number;
}

const int16 = (v: number) => (v >= 0x8000 ? v - 0x10000 : v);
const uint16 = (v: number) => ((Math.round(v) % 0x10000) + 0x10000) % 0x10000;

/** The smallest power of ten that fits `value` into an int16. */
function scaleFactorFor(maxAbs: number): number {
  let sf = 0;
  while (Math.abs(maxAbs) / 10 ** sf > 32_767) sf += 1;
  return sf;
}

/**
 * The whole register image from 40000 to the end marker, for a meter rated `ratedW` (which fixes the power scale
 * factor, as a real meter's CT ratio does).
 */
export function encodeMeterImage(values: MeterValues, ratedW: number, modelId = 203): number[] {
  const common = new Array<number>(COMMON_MODEL_LENGTH).fill(0);
  'HCP'.split('').forEach((c, i) => {
    common[i] = c.charCodeAt(0) << 8;
  });
  common[64] = 1; // DA: the Modbus unit id
  const body = new Array<number>(METER_MODEL_LENGTH).fill(NOT_IMPLEMENTED);
  const wSf = scaleFactorFor(ratedW);
  const whSf = scaleFactorFor(values.importedWh / 2 ** 16);
  body[METER_POINTS.A] = NOT_IMPLEMENTED;
  body[METER_POINTS.A_SF] = NOT_IMPLEMENTED;
  body[METER_POINTS.Hz] = uint16(values.frequencyHz * 100);
  body[METER_POINTS.Hz_SF] = uint16(-2);
  body[METER_POINTS.W] = uint16(values.powerW / 10 ** wSf);
  body[METER_POINTS.W_SF] = uint16(wSf);
  const wh = Math.max(0, Math.round(values.importedWh / 10 ** whSf)) >>> 0;
  body[METER_POINTS.TotWhImp] = wh >>> 16;
  body[METER_POINTS.TotWhImp + 1] = wh & 0xffff;
  body[METER_POINTS.TotWh_SF] = uint16(whSf);
  return [
    ...SUNSPEC_MARKER,
    COMMON_MODEL_ID,
    COMMON_MODEL_LENGTH,
    ...common,
    modelId,
    METER_MODEL_LENGTH,
    ...body,
    END_MODEL_ID,
    0,
  ];
}

export type MeterDecode =
  | { readonly ok: true; readonly values: MeterValues }
  | { readonly ok: false; readonly detail: string };

function scaled(registers: readonly number[], point: number, sfPoint: number): number | string {
  const raw = registers[point];
  const sfRaw = registers[sfPoint];
  if (raw === undefined || sfRaw === undefined) return `register ${point} missing`;
  if (raw === NOT_IMPLEMENTED || sfRaw === NOT_IMPLEMENTED) return `register ${point} not implemented`;
  const sf = int16(sfRaw);
  if (sf < -10 || sf > 10) return `scale factor ${sf} at ${sfPoint} out of -10..10`;
  return int16(raw) * 10 ** sf;
}

/** Reads a meter model body (METER_READ_LENGTH registers from the point after the length). Pure. */
export function decodeMeterBody(registers: readonly number[]): MeterDecode {
  if (registers.length < METER_READ_LENGTH) return { ok: false, detail: `${registers.length} registers, short read` };
  const powerW = scaled(registers, METER_POINTS.W, METER_POINTS.W_SF);
  if (typeof powerW === 'string') return { ok: false, detail: `W: ${powerW}` };
  const frequencyHz = scaled(registers, METER_POINTS.Hz, METER_POINTS.Hz_SF);
  if (typeof frequencyHz === 'string') return { ok: false, detail: `Hz: ${frequencyHz}` };
  if (frequencyHz < 45 || frequencyHz > 65) return { ok: false, detail: `Hz: ${frequencyHz} outside 45..65` };
  const whSf = int16(registers[METER_POINTS.TotWh_SF]!);
  const wh = registers[METER_POINTS.TotWhImp]! * 0x10000 + registers[METER_POINTS.TotWhImp + 1]!;
  return { ok: true, values: { powerW, frequencyHz, importedWh: wh * 10 ** whSf } };
}
