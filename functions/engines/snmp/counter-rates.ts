/**
 * Rates from counters: an SNMP counter (ifInOctets) only ever grows, so what a check wants is how
 * fast, which takes two samples. The previous sample of each (check, OID) is kept here, in the
 * worker's memory: a worker that starts afresh, or a check that lands on another worker, starts
 * with a first sample again.
 *
 * A counter that went down wrapped (Counter32 at 2^32, Counter64 at 2^64), unless going round
 * would mean it moved more than half its range since the last sample: then it was reset (the agent
 * restarted), and the sample starts over rather than report an absurd rate.
 */

/** Enough for every counter of a busy worker; the oldest samples go first beyond it. */
export const MAX_RATE_SAMPLES = 10_000;

export interface CounterSample {
  value: bigint;
  /** Where the counter wraps to zero; undefined for values that are not counters (gauges). */
  modulus?: bigint;
  atMs: number;
}

export type RateResult =
  | { kind: 'rate'; perSecond: number }
  /** No earlier sample (or one too recent to divide by). */
  | { kind: 'first' }
  /** The counter went back by more than a wrap could explain. */
  | { kind: 'reset' };

export class CounterRates {
  private readonly samples = new Map<string, CounterSample>();

  constructor(private readonly maxSamples = MAX_RATE_SAMPLES) {}

  /** Records `sample` under `key` and returns the rate since the previous one. */
  update(key: string, sample: CounterSample): RateResult {
    const previous = this.samples.get(key);
    // Delete first, so that the Map's order stays oldest-written first for eviction.
    this.samples.delete(key);
    this.samples.set(key, sample);
    if (this.samples.size > this.maxSamples) this.samples.delete(this.samples.keys().next().value!);

    if (!previous || previous.modulus !== sample.modulus) return { kind: 'first' };
    const elapsedS = (sample.atMs - previous.atMs) / 1000;
    if (elapsedS <= 0) return { kind: 'first' };
    let delta = sample.value - previous.value;
    if (delta < 0n && sample.modulus !== undefined) {
      delta += sample.modulus;
      if (delta > sample.modulus / 2n) return { kind: 'reset' };
    }
    return { kind: 'rate', perSecond: Number(delta) / elapsedS };
  }

  get size(): number {
    return this.samples.size;
  }
}
