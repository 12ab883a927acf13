/**
 * The peak resident set size of this process while something runs, sampled on a timer. Shared by the
 * benchmark (which reports absolute peaks) and the tests (which bound the growth over the baseline).
 */
export interface RssSampler {
  /** The RSS when sampling started. */
  readonly baseline: number;
  /** The highest RSS seen so far, sampling once more now. */
  peak(): number;
  /** Stops sampling; the peak growth over the baseline. */
  stop(): number;
}

/** Samples the RSS every `intervalMs` from now (after a gc when the process exposes one). */
export function rssSampler(intervalMs = 25): RssSampler {
  global.gc?.();
  const baseline = process.memoryUsage.rss();
  let highest = baseline;
  const sample = (): number => (highest = Math.max(highest, process.memoryUsage.rss()));
  // Unref'd: a sampler left running after a failure does not keep the process alive.
  const timer = setInterval(sample, intervalMs).unref();
  return {
    baseline,
    peak: sample,
    stop() {
      clearInterval(timer);
      return sample() - baseline;
    },
  };
}
