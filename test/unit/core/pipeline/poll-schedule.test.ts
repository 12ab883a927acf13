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

describe('pipeline: poll schedule', () => {
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
