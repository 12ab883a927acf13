import { strict as assert } from 'node:assert';
import { appendFile } from 'node:fs/promises';
import { PollSchedule } from '../../../../src/core/pipeline/poll-schedule';
import { claimOwner } from '../../../../src/core/pipeline/runtime-identity';
import { DEFAULT_WATCH_SETTINGS, Watcher, type ClaimedFile, type PollReport, type WatchSettings } from '../../../../src/core/pipeline/watcher';
import { createPool } from '../../../../src/core/remote/connect';
import type { SessionPool } from '../../../../src/core/remote/session-pool';
import type { RemoteSession } from '../../../../src/core/remote/types';
import { servers } from '../../../support/dev-servers';
import { optionsFor } from '../../../support/server-options';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await sleep(20);
  }
}

/*
 * The watch's poll schedule on a real SFTP server: a backlog larger than "per poll" drains without
 * waiting for the interval (an interval of a minute would take five minutes for 50 files), nothing
 * waiting means interval polls only, and full slots mean no poll until a slot frees.
 */
describe('poll schedule on a real SFTP server', function () {
  this.timeout(60_000);
  let n = 0;
  let dir = '';
  let pool: SessionPool<RemoteSession>;
  const schedules: PollSchedule[] = [];
  const watchers: Watcher[] = [];

  beforeEach(async () => {
    await servers().startAll();
    dir = `poll-schedule-${++n}`;
    await servers().remove(dir);
    await servers().mkdirp(`${dir}/in`);
    pool = createPool(optionsFor('sftp'), { size: 3 });
  });
  afterEach(async () => {
    for (const s of schedules.splice(0)) s.stop();
    for (const w of watchers.splice(0)) w.close();
    await pool.close();
  });

  async function files(count: number): Promise<void> {
    for (let i = 0; i < count; i++) await servers().writeFile(`${dir}/in/f${String(i).padStart(3, '0')}.txt`, `file ${i}`);
  }

  /** A watch whose flow acks each file on the next turn unless `hold`; its polls are counted. */
  function watch(
    extra: Partial<WatchSettings>,
    intervalMs: number,
    hold = false,
  ): { w: Watcher; s: PollSchedule; emitted: ClaimedFile[]; polls: PollReport[] } {
    const emitted: ClaimedFile[] = [];
    const polls: PollReport[] = [];
    const w = new Watcher(
      {
        ...DEFAULT_WATCH_SETTINGS,
        folder: `${dir}/in`,
        stability: { ...DEFAULT_WATCH_SETTINGS.stability, mode: 'age', minAgeMs: 0 },
        ...extra,
      },
      {
        pool,
        origin: { server: 's1', watch: 'w1', protocol: 'sftp', host: '127.0.0.1', port: 1, folder: `${dir}/in` },
        owner: claimOwner('cccc0003'),
        emit: async (f) => {
          emitted.push(f);
          if (!hold) setImmediate(() => w.release(f.correlationId));
        },
        onPoll: (r) => polls.push(r),
        onError: (err) => assert.fail(err.message),
      },
    );
    watchers.push(w);
    const s = new PollSchedule(w, { intervalMs, firstAfterMs: 0 });
    schedules.push(s);
    s.start();
    return { w, s, emitted, polls };
  }

  it('drains 50 files at 10 per poll without waiting for a 60 s interval', async () => {
    await files(50);
    const { s, emitted, polls } = watch({ maxFilesPerPoll: 10, maxInFlight: 3 }, 60_000);
    await waitFor('all 50 files', () => emitted.length === 50);
    assert.equal(new Set(emitted.map((f) => f.name)).size, 50, 'each file once');
    assert.ok(polls.length >= 5, `${polls.length} polls`);
    assert.ok(s.backlogPolls >= 4, `${s.backlogPolls} polls for the backlog`);
    assert.ok(
      polls.slice(0, 4).every((p) => p.emitted === 10 && p.waiting > 0),
      'each poll takes its share and says what waits',
    );
  });

  it('with nothing waiting it polls at the interval only', async () => {
    await files(3);
    const { s, emitted, polls } = watch({ maxFilesPerPoll: 10 }, 200);
    await waitFor('the 3 files', () => emitted.length === 3);
    const before = polls.length;
    await sleep(1000);
    assert.equal(s.backlogPolls, 0);
    assert.ok(polls.every((p) => p.waiting === 0));
    // 5 interval polls in that second, give or take a late timer; a spinning schedule would make hundreds.
    assert.ok(polls.length - before <= 7, `${polls.length - before} polls in a quiet second`);
  });

  it('with every slot taken it does not poll until a slot frees, then takes the next share', async () => {
    await files(20);
    const { w, s, emitted, polls } = watch({ maxFilesPerPoll: 5, maxInFlight: 5 }, 60_000, true);
    await waitFor('the first share', () => emitted.length === 5 && polls.length === 1);
    assert.equal(polls[0].waiting, 15);
    await sleep(500);
    assert.equal(polls.length, 1, 'no poll while every slot is taken');
    assert.equal(s.backlogPolls, 0);
    w.release(emitted[0].correlationId);
    await waitFor('the next share', () => emitted.length === 6);
    assert.equal(s.backlogPolls, 1);
    await sleep(300);
    assert.equal(emitted.length, 6, 'one slot, one file: the rest waits for slots');
    for (const f of emitted.slice(1)) w.release(f.correlationId);
    // 6 released, 5 slots: the files come until every slot is taken again (the poll waiting for a slot
    // takes what its share has left, the next poll the rest), and no further.
    await waitFor('the slots filled again', () => emitted.length === 11);
    await sleep(300);
    assert.equal(emitted.length, 11, 'no more than the slots hold');
    assert.equal(new Set(emitted.map((f) => f.name)).size, 11, 'each file once');
  });
});

/*
 * A file whose stability window ends between two interval polls is looked at again when the window
 * ends (one stat, not a listing) and claimed then, not at the next interval poll; a file still
 * growing then is not claimed but waits a new window. The interval here is a minute, so only the
 * rechecks can claim anything within the test.
 */
for (const protocol of ['sftp', 'ftp'] as const) {
  describe(`rechecks at the end of a stability window on a real ${protocol.toUpperCase()} server`, function () {
    this.timeout(60_000);
    let n = 0;
    let dir = '';
    let pool: SessionPool<RemoteSession>;
    let w: Watcher | undefined;
    let s: PollSchedule | undefined;

    beforeEach(async () => {
      await servers().startAll();
      dir = `poll-recheck-${protocol}-${++n}`;
      await servers().remove(dir);
      await servers().mkdirp(`${dir}/in`);
      // Files the watch leaves alone: listed by every poll, never looked at by a recheck.
      for (let i = 0; i < 20; i++) await servers().writeFile(`${dir}/in/old-${i}.txt`, `old ${i}`);
      pool = createPool(optionsFor(protocol), { size: 2 });
    });
    afterEach(async () => {
      s?.stop();
      w?.close();
      await pool.close();
    });

    /** The pool, whose listings take `listMs` longer and call `onList` when they begin. */
    function slowListings(listMs: number, onList: () => void): SessionPool<RemoteSession> {
      const bound = <T extends object>(target: T, prop: string | symbol): unknown => {
        const v: unknown = Reflect.get(target, prop);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      };
      // FTP sessions list through listUnlessSame (the listing's fingerprint), the others through list.
      const slow = (session: RemoteSession): RemoteSession =>
        new Proxy(session, {
          get: (t, prop) =>
            (prop === 'list' || prop === 'listUnlessSame') && typeof Reflect.get(t, prop) === 'function'
              ? async (...args: unknown[]) => {
                  onList();
                  await sleep(listMs);
                  return (Reflect.get(t, prop) as (...a: unknown[]) => Promise<unknown>).apply(t, args);
                }
              : bound(t, prop),
        });
      return new Proxy(pool, {
        get: (t, prop) =>
          prop === 'use' ? <T>(fn: (session: RemoteSession) => Promise<T>, retry: boolean) => t.use((session) => fn(slow(session)), retry) : bound(t, prop),
      });
    }

    function watch(through = pool): { schedule: PollSchedule; emitted: ClaimedFile[]; polls: PollReport[] } {
      const emitted: ClaimedFile[] = [];
      const polls: PollReport[] = [];
      const watcher = new Watcher(
        {
          ...DEFAULT_WATCH_SETTINGS,
          folder: `${dir}/in`,
          exclude: ['old-*'],
          stability: { ...DEFAULT_WATCH_SETTINGS.stability, mode: 'stable', stableMs: 1000 },
        },
        {
          pool: through,
          origin: { server: 's1', watch: 'w1', protocol, host: '127.0.0.1', port: 1, folder: `${dir}/in` },
          owner: claimOwner('cccc0004'),
          emit: async (f) => {
            emitted.push(f);
            setImmediate(() => watcher.release(f.correlationId));
          },
          onPoll: (r) => polls.push(r),
          onError: (err) => assert.fail(err.message),
        },
      );
      w = watcher;
      s = new PollSchedule(watcher, { intervalMs: 60_000, firstAfterMs: 0 });
      s.start();
      return { schedule: s, emitted, polls };
    }

    it('claims a file at the end of its window, by a stat of that file alone', async () => {
      await servers().writeFile(`${dir}/in/new.txt`, 'new file');
      const { schedule, emitted, polls } = watch();
      await waitFor('the new file', () => emitted.length === 1);
      assert.equal(emitted[0].name, 'new.txt');
      assert.equal(schedule.rechecks, 1);
      assert.deepEqual(
        polls.map((p) => [p.listed, p.emitted]),
        [
          [21, 0],
          [1, 1],
        ],
        "the first poll listed the folder and found the file not yet stable; the recheck stat'ed it and claimed it",
      );
      await sleep(1500);
      assert.equal(polls.length, 2, 'nothing more to look at: no more rechecks');
    });

    it('does not claim a file that grew during its window: it waits a new one', async () => {
      await servers().writeFile(`${dir}/in/growing.txt`, 'first part\n');
      const { schedule, emitted, polls } = watch();
      await waitFor('the first poll', () => polls.length === 1);
      await appendFile(servers().localPath(`${dir}/in/growing.txt`), 'second part\n');
      await waitFor('the file', () => emitted.length === 1);
      assert.equal(emitted[0].size, 'first part\nsecond part\n'.length, 'claimed whole');
      assert.equal(schedule.rechecks, 2);
      assert.deepEqual(
        polls.map((p) => [p.listed, p.emitted]),
        [
          [21, 0],
          [1, 0],
          [1, 1],
        ],
        'the first recheck saw it grown and started its window over; the second claimed it',
      );
    });

    it('with polls back to back (each listing slower than the interval), looks at the file at its window end before the next listing', async () => {
      await servers().writeFile(`${dir}/in/new.txt`, 'new file');
      // The watch's reports (set once it runs; its first listing comes after that).
      let polls: PollReport[] = [];
      let lists = 0;
      /** How many polls had ended at each listing. */
      const listedAfter: number[] = [];
      // Each of the first listings asks for another poll while it runs, as interval ticks do while a
      // busy folder is listed; each listing takes 600 ms of the 1000 ms window.
      const slowPool = slowListings(600, () => {
        listedAfter.push(polls.length);
        if (++lists <= 2) void w!.trigger();
      });
      const watched = watch(slowPool);
      const { emitted } = watched;
      polls = watched.polls;
      await waitFor('the new file', () => emitted.length === 1);
      await waitFor('the poll asked for', () => polls.length === 4);
      assert.deepEqual(
        polls.map((p) => [p.listed, p.emitted]),
        [
          [21, 0],
          [21, 0],
          [1, 1],
          [20, 0],
        ],
        'seen, not yet stable at the end of the second listing; claimed by a stat at its window end; then the poll asked for',
      );
      assert.equal(listedAfter.filter((n) => n === 2).length, 0, 'the recheck listed nothing');
    });
  });
}
