import { strict as assert } from 'node:assert';
import { InFlight } from '../../../../src/core/pipeline/in-flight';

describe('pipeline: in-flight slots', () => {
  describe('in-flight slots', () => {
    it('wait while full, free on release, time out into the callback', async () => {
      const timedOut: string[] = [];
      const slots = new InFlight<string>(2, 200, (id) => timedOut.push(id));
      await slots.waitForSlot();
      slots.add('a', 'A');
      slots.add('b', 'B');
      let got = false;
      const waiting = slots.waitForSlot().then(() => {
        got = true;
      });
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(got, false, 'full');
      assert.equal(slots.release('a'), true);
      await waiting;
      assert.equal(slots.release('a'), false, 'twice is harmless');
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(timedOut, ['b']);
      assert.equal(slots.size, 0);
      slots.add('c', 'C');
      slots.add('d', 'D');
      const stopped = slots.waitForSlot();
      slots.close();
      await assert.rejects(stopped, /stopping/);
    });

    it('tells free slots to its listeners until they unsubscribe', () => {
      const slots = new InFlight<string>(2, 0);
      let told = 0;
      const off = slots.onFree(() => told++);
      slots.add('a', 'A');
      slots.add('b', 'B');
      slots.release('a');
      off();
      slots.release('b');
      assert.equal(told, 1);
    });
  });
});
