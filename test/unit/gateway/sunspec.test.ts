import {
  decodeMeterBody,
  encodeMeterImage,
  METER_POINTS,
  METER_READ_LENGTH,
  NOT_IMPLEMENTED,
} from '../../../iot-greengrass/adapters/meter/sunspec.js';

/** The meter model's body inside a full image: marker 2 + common id/length 2 + common 66, then id and length. */
const BODY_AT = 72;
const body = (image: number[]) => image.slice(BODY_AT, BODY_AT + METER_READ_LENGTH);

describe('SunSpec model 203 registers', () => {
  it('round-trips power, frequency and the import accumulator through the scale factors', () => {
    // Prepare
    const image = encodeMeterImage({ powerW: 23_456_789, frequencyHz: 59.98, importedWh: 1_234_567 }, 30_000_000);
    // Act
    const decoded = decodeMeterBody(body(image));
    // Assess: W_SF 3 for a 30 MW rating (kW resolution: 30,000 fits an int16); Hz in hundredths.
    expect(image.slice(0, 4)).toEqual([0x5375, 0x6e53, 1, 66]);
    expect(image.slice(70, 72)).toEqual([203, 105]);
    expect(decoded.ok && decoded.values.powerW).toBe(23_457_000);
    expect(decoded.ok && decoded.values.frequencyHz).toBeCloseTo(59.98, 10);
    expect(decoded.ok && decoded.values.importedWh).toBe(1_234_567);
  });

  it('reads a "not implemented" power, a scale factor out of range or an impossible frequency as garbage', () => {
    // Prepare
    const good = body(encodeMeterImage({ powerW: 1_000_000, frequencyHz: 60, importedWh: 10 }, 1_500_000));
    const notImplemented = [...good];
    notImplemented[METER_POINTS.W] = NOT_IMPLEMENTED;
    const badScale = [...good];
    badScale[METER_POINTS.W_SF] = 11;
    const badHz = [...good];
    badHz[METER_POINTS.Hz] = 0;
    // Act + Assess
    expect(decodeMeterBody(notImplemented)).toEqual({ ok: false, detail: 'W: register 16 not implemented' });
    expect(decodeMeterBody(badScale)).toEqual({ ok: false, detail: 'W: scale factor 11 at 20 out of -10..10' });
    expect(decodeMeterBody(badHz)).toEqual({ ok: false, detail: 'Hz: 0 outside 45..65' });
    expect(decodeMeterBody(good.slice(0, 10))).toEqual({ ok: false, detail: '10 registers, short read' });
  });
});
