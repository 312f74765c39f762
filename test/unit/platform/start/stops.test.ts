import { Stops } from '../../../../sim/platform/start/stops.js';

describe('platform stops', () => {
  it('stops every part newest first, past one that fails to stop, and only once', async () => {
    // Prepare
    const stopped: string[] = [];
    const stops = new Stops();
    stops.push(async () => void stopped.push('market clock'));
    stops.push(async () => {
      stopped.push('broker');
      throw new Error('already closed');
    });
    stops.push(async () => void stopped.push('gateway'));

    // Act
    await stops.stopAll();
    await stops.stopAll();

    // Assess
    expect(stopped).toEqual(['gateway', 'broker', 'market clock']);
  });
});
