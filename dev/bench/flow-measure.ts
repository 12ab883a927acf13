/**
 * One timed run of a deployed flow as the user sees it: from the moment the work is put in front of
 * it (a file dropped into the watched folder, an inject pressed) until its outcome can be seen from
 * outside (the documents in the simulator, the files acknowledged), with the Node-RED process's CPU
 * seconds and peak RSS over the same span.
 */
import type { FlowRig } from './node-red-rig';

export interface FlowMeasurement {
  seconds: number;
  /** CPU seconds of the Node-RED process over the run. */
  cpuSeconds: number;
  /** Highest RSS of the Node-RED process during the run, bytes. */
  peakRss: number;
}

export interface FlowRun {
  /** Puts the work in front of the flow; the clock starts before it. */
  start(): Promise<void>;
  /** True once the outcome is complete (checked every `pollMs`); throw to fail the run (a wrong outcome). */
  finished(): Promise<boolean>;
  pollMs?: number;
  /** Fails the run when it takes longer (default 30 minutes). */
  timeoutMs?: number;
}

export async function measureFlow(rig: FlowRig, run: FlowRun): Promise<FlowMeasurement> {
  const rss = rig.watchRss(25);
  const cpu = rig.cpu();
  const started = performance.now();
  const deadline = Date.now() + (run.timeoutMs ?? 30 * 60_000);
  try {
    await run.start();
    while (!(await run.finished())) {
      if (Date.now() > deadline)
        throw new Error(`The flow did not finish within ${(run.timeoutMs ?? 1_800_000) / 1000} s. Node-RED printed:\n${rig.output().slice(-4000)}`);
      await new Promise((resolve) => setTimeout(resolve, run.pollMs ?? 50));
    }
    const seconds = (performance.now() - started) / 1000;
    return { seconds, cpuSeconds: cpu.stop().seconds, peakRss: rss.stop().peak };
  } finally {
    rss.stop();
  }
}
