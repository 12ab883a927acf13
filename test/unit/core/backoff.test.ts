/** The wakeable sleeps behind the File 360 and Dropbox clients' retry waits: close ends them at once. */
import assert from 'node:assert/strict';
import { WakeableSleeps } from '../../../src/core/backoff';

describe('backoff: wakeable sleeps', () => {
  it('sleep for their time unless woken; wakeAll ends the running ones, not later ones', async () => {
    const sleeps = new WakeableSleeps();
    let t = Date.now();
    await sleeps.sleep(40);
    assert.ok(Date.now() - t >= 35, `slept ${Date.now() - t} ms`);

    t = Date.now();
    const long = [sleeps.sleep(60_000), sleeps.sleep(30_000)];
    setTimeout(() => sleeps.wakeAll(), 20);
    await Promise.all(long);
    assert.ok(Date.now() - t < 5_000, `woken after ${Date.now() - t} ms`);

    t = Date.now();
    await sleeps.sleep(40);
    assert.ok(Date.now() - t >= 35, 'a sleep after wakeAll sleeps its time');
    t = Date.now();
    await sleeps.sleep(0);
    await sleeps.sleep(-5);
    assert.ok(Date.now() - t < 20, 'nothing to sleep');
  });
});
