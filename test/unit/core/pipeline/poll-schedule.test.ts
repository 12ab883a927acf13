import { strict as assert } from 'node:assert';
import { InFlight } from '../../../../src/core/pipeline/in-flight';
import { pollAgainAtOnce, PollSchedule, type Pollable } from '../../../../src/core/pipeline/poll-schedule';
import type { PollReport } from '../../../../src/core/pipeline/watcher';

const report = (r: Partial<PollReport>): PollReport => ({ listed: 0, emitted: 0, recovered: 0, gaveUp: 0, lost: 0, failed: 0, waiting: 0, ...r });
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A watch whose polls hand out the given reports in order (then nothing waits). */
function fakeWatch(reports: (PollReport | undefined)[], slots = new InFlight<string>(2, 0)): Pollable & { polls: number; slots: InFlight<string> } {
  const fake = {
    polls: 0,
    slots,
    lastReport: undefined as PollReport | undefined,
    trigger: async (): Promise<void> => {
      fake.polls++;
      await turn();
      fake.lastReport = reports.shift() ?? report({});
    },
  };
  return fake;
}

/** A watch whose last poll left files waiting for their stability window: `windows` rechecks to come, `after` ms apart. */
function windowWatch(windows: number, after: number): Pollable & { polls: number; rechecked: number; pollRunning: boolean } {
  const fake = {
    polls: 0,
    rechecked: 0,
    pollRunning: false,
    slots: new InFlight<string>(2, 0),
    lastReport: report({}) as PollReport | undefined,
    trigger: async (): Promise<void> => {
      fake.polls++;
      fake.pollRunning = true;
      await turn();
      fake.pollRunning = false;
    },
    recheckAfter: (): number | undefined => (fake.pollRunning || fake.rechecked >= windows ? undefined : after),
    recheck: async (): Promise<void> => {
      assert.equal(fake.pollRunning, false, 'never during a poll');
      fake.rechecked++;
      await turn();
    },
  };
  return fake;
}

describe('pipeline: poll schedule', () => {
  it('looks again when a stability window ends, not at the next interval, and only as often as windows end', async () => {
    const w = windowWatch(2, 5);
    const s = new PollSchedule(w, { intervalMs: 60_000 });
    await s.poll();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(w.polls, 1, 'no interval poll in between');
    assert.equal(w.rechecked, 2, 'one recheck per window, then none');
    assert.equal(s.rechecks, 2);
    s.stop();
  });

  it('plans no recheck while a poll runs, and none after stop', async () => {
    const w = windowWatch(5, 0);
    const s = new PollSchedule(w, { intervalMs: 60_000 });
    const first = s.poll();
    void s.poll(); // joins the run going on
    await first;
    s.stop();
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(w.rechecked, 0, 'stopped before its timer fired');
    const once = windowWatch(1, 0);
    const t = new PollSchedule(once, { intervalMs: 60_000 });
    await t.poll();
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(once.rechecked, 1);
    assert.equal(once.polls, 1, 'a recheck with nothing left waiting is not followed by polls');
    t.stop();
  });

  it('polls again at once only after a poll that took files and left some', () => {
    assert.equal(pollAgainAtOnce(report({ emitted: 10, waiting: 5 })), true);
    assert.equal(pollAgainAtOnce(report({ recovered: 1, waiting: 1 })), true);
    assert.equal(pollAgainAtOnce(report({ emitted: 10 })), false, 'nothing waits');
    assert.equal(pollAgainAtOnce(report({ failed: 10, waiting: 5 })), false, 'took nothing: no spinning on failing claims');
    assert.equal(pollAgainAtOnce(undefined), false, 'a failed poll');
  });

  it('follows a backlog poll by poll until nothing waits', async () => {
    const w = fakeWatch([report({ emitted: 2, waiting: 4 }), report({ emitted: 2, waiting: 2 }), report({ emitted: 2 })]);
    const s = new PollSchedule(w, { intervalMs: 60_000 });
    await s.poll();
    for (let i = 0; i < 10; i++) await turn();
    assert.equal(w.polls, 3);
    assert.equal(s.backlogPolls, 2);
    s.stop();
  });

  it('with every slot taken waits for a freed slot; stopped, it polls no more', async () => {
    const slots = new InFlight<string>(1, 0);
    slots.add('a', 'A');
    const w = fakeWatch([report({ emitted: 1, waiting: 3 }), report({ emitted: 1, waiting: 2 })], slots);
    const s = new PollSchedule(w, { intervalMs: 60_000 });
    await s.poll();
    for (let i = 0; i < 5; i++) await turn();
    assert.equal(w.polls, 1, 'full: no poll');
    slots.release('a');
    slots.add('b', 'B'); // what the poll it starts takes
    for (let i = 0; i < 5; i++) await turn();
    assert.equal(w.polls, 2, 'a freed slot: one poll, which fills it again');
    s.stop();
    for (let i = 0; i < 5; i++) await turn();
    assert.equal(w.polls, 2);
  });
});
