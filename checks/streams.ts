// The kit's checkers for stream jobs that drop late data and deduplicate: what a sink
// holds against what the callers were told was accepted. An event may be missing from
// the sink only if the job dropped it as late, and a drop counts only if the event really
// was late: behind an event the job had seen by more than the lateness the pipeline
// promises (the job names that event, its witness; the checker looks both up in the
// source of truth, not in what the job says about them).
import type { Key, LoadView } from '../runtime/contract.js';
import { ViolationLog, type Checker, type Observation } from './types.js';
import type { RowSet } from './effects.js';

const keyOfRow = (s: RowSet) => s.keyOf ?? ((_r: unknown, k: Key) => String(k));
const whereRow = (s: RowSet) => s.where ?? (() => true);
const nounOf = (s: RowSet) => s.noun ?? s.table;

/**
 * Per key, a running sum: keys that are the load generator's request keys (`<prefix>-<n>`,
 * what a sink row usually stands for) in an array by request number, others in a Map, so
 * tallying millions of sink rows builds no millions of map entries.
 */
class KeyTally {
  private readonly byNumber: Float64Array;
  private readonly seen: Uint8Array;
  private readonly others = new Map<string, number>();

  constructor(private readonly load: LoadView | undefined) {
    this.byNumber = new Float64Array(load === undefined ? 0 : load.planned + 1);
    this.seen = new Uint8Array(this.byNumber.length);
  }

  /** Distinct keys tallied. */
  size = 0;

  add(k: string, v: number): void {
    const n = this.load?.numberOf(k) ?? -1;
    if (n > 0 && n < this.byNumber.length) {
      this.byNumber[n] += v;
      if (this.seen[n] === 0) this.size++;
      this.seen[n] = 1;
    } else {
      const had = this.others.get(k);
      if (had === undefined) this.size++;
      this.others.set(k, (had ?? 0) + v);
    }
  }

  has(k: string): boolean {
    const n = this.load?.numberOf(k) ?? -1;
    return n > 0 && n < this.byNumber.length ? this.seen[n] === 1 : this.others.has(k);
  }

  *entries(): Generator<[string, number]> {
    for (let n = 1; n < this.byNumber.length; n++) if (this.seen[n] === 1) yield [this.load!.keyOf(n), this.byNumber[n]];
    yield* this.others;
  }
}

/** The keys of a row set's rows (rows under their own key or another's), each with `valueOf` summed. */
function tally(obs: Observation, s: RowSet, valueOf: (row: any) => number = () => 1, logical = false): KeyTally {
  const t = new KeyTally(obs.load);
  const accept = whereRow(s);
  const key = keyOfRow(s);
  // `logical`: a row under the key of a retry minted afresh (a client's retryKey) counts for the request it stands for.
  const load = obs.load;
  const name = logical && load !== undefined ? (row: unknown, k: Key) => load.logicalKeyOf(key(row, k)) : key;
  for (const [k, row] of obs.table(s.store, s.table)) if (accept(row)) t.add(name(row, k), valueOf(row));
  return t;
}

/** The row a source of truth holds for key `k` (its rows are under their own keys), if it counts. */
function rowOf(obs: Observation, s: RowSet, k: string): unknown {
  const rows = obs.table(s.store, s.table);
  let row = rows.get(k);
  if (row === undefined) {
    const n = Number(k);
    if (Number.isSafeInteger(n) && String(n) === k) row = rows.get(n);
  }
  return row !== undefined && whereRow(s)(row) ? row : undefined;
}

/** A span of time in the unit that reads best: "400 ms", "12.5 s", "54.8 min". */
const minutes = (ms: number) => {
  const abs = Math.abs(ms);
  const n = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 1 });
  return abs < 1_000 ? `${n(ms)} ms` : abs < 60_000 ? `${n(ms / 1_000)} s` : `${n(ms / 60_000)} min`;
};

/**
 * Every event dropped as late really was: its event time is more than `allowedLatenessMs`
 * behind its witness's (the event whose time set the watermark), both as the source of
 * truth `events` has them. A drop of an event nobody sent, or with a witness nobody sent,
 * is a violation too. `events` holds each event under its own key.
 */
export function lateDropsJustified(o: {
  name: string; description?: string; events: RowSet; eventTimeOf(row: any): number; dropped: RowSet; witnessOf(row: any): string; allowedLatenessMs: number;
  /**
   * When the pipeline took an event in (its intake's clock). The drop came after both the
   * witness and the dropped event arrived, so the witness's time counts only up to the later
   * arrival plus `maxClockErrorMs`: one event stamped ahead by a fast device clock cannot
   * excuse dropping on-time ones.
   */
  arrivedAtOf?(row: any): number;
  maxClockErrorMs?: number;
}): Checker {
  const description = o.description ?? `an event is dropped as late only if it is more than ${minutes(o.allowedLatenessMs)} behind an event the job had seen`;
  return {
    name: o.name,
    description,
    check(obs) {
      const log = new ViolationLog(o.name, description);
      const accept = whereRow(o.dropped);
      const key = keyOfRow(o.dropped);
      for (const [tk, drop] of obs.table(o.dropped.store, o.dropped.table)) {
        if (!accept(drop)) continue;
        const k = key(drop, tk);
        const event = rowOf(obs, o.events, k);
        const witnessKey = o.witnessOf(drop);
        const witness = rowOf(obs, o.events, witnessKey);
        if (event === undefined) log.add(k, `dropped as late, but no ${nounOf(o.events)} has this key`);
        else if (witness === undefined) log.add(k, `dropped as late behind "${witnessKey}", which is no ${nounOf(o.events)}`);
        else {
          // The drop came after both arrived: a witness is credible up to the later arrival (plus the clock error).
          const stamped = o.eventTimeOf(witness);
          const credible = o.arrivedAtOf === undefined ? stamped : Math.min(stamped, Math.max(o.arrivedAtOf(witness), o.arrivedAtOf(event)) + (o.maxClockErrorMs ?? 0));
          const behind = credible - o.eventTimeOf(event);
          const ahead = stamped > credible ? ` (stamped ${minutes(stamped - o.arrivedAtOf!(witness))} ahead of its arrival: its clock was wrong)` : '';
          if (behind <= o.allowedLatenessMs) log.add(k, `dropped as late, but only ${minutes(behind)} behind "${witnessKey}"${ahead} (the pipeline promises to keep events up to ${minutes(o.allowedLatenessMs)} late)`);
        }
      }
      return log.result();
    },
  };
}

/**
 * Every request the load generator's callers were told was accepted reaches the sink
 * (a row whose key is the request's), unless it is one of `excused` (dropped as late:
 * pair this with lateDropsJustified, which checks those drops).
 */
export function acceptedReachSink(o: { name: string; description?: string; sink: RowSet; excused?: RowSet }): Checker {
  const description = o.description ?? `every event a caller was told was accepted reaches the ${nounOf(o.sink)}${o.excused ? ` or was ${nounOf(o.excused)}` : ''}`;
  return {
    name: o.name,
    description,
    check(obs) {
      const log = new ViolationLog(o.name, description);
      const load = obs.load;
      if (load === undefined) return log.result();
      const inSink = tally(obs, o.sink, undefined, true);
      const excused = o.excused === undefined ? undefined : tally(obs, o.excused, undefined, true);
      for (let n = 1; n <= load.planned; n++) {
        if (!load.created(n)) continue;
        const k = load.keyOf(n);
        if (!inSink.has(k) && excused?.has(k) !== true) log.add(k, `the caller was told it was accepted; it is not in the ${nounOf(o.sink)} and was not dropped as late`);
      }
      return log.result();
    },
  };
}

/**
 * Reconciliation (in whole units: cents, not fractions of a currency, as sums compare exactly):
 * per key, the values the sink holds add up to the value the source of
 * truth has under that key (a key twice in the sink, or a changed amount, breaks it),
 * so the sink's total is the source's over the keys it holds.
 */
export function totalsMatch(o: { name: string; description?: string; source: RowSet; sink: RowSet; valueOf(row: any): number; unit?: string }): Checker {
  const description = o.description ?? `per key, the values in the ${nounOf(o.sink)} add up to the value in the ${nounOf(o.source)}`;
  return {
    name: o.name,
    description,
    check(obs) {
      const log = new ViolationLog(o.name, description);
      const sums = tally(obs, o.sink, o.valueOf);
      const unit = o.unit === undefined ? '' : ` ${o.unit}`;
      for (const [k, sum] of sums.entries()) {
        const truth = rowOf(obs, o.source, k);
        if (truth === undefined) {
          log.add(k, `${sum}${unit} in the ${nounOf(o.sink)}, and no ${nounOf(o.source)} has this key`);
          continue;
        }
        const want = o.valueOf(truth);
        if (sum !== want) log.add(k, `${sum}${unit} in the ${nounOf(o.sink)} against ${want}${unit} in the ${nounOf(o.source)}`);
      }
      return log.result();
    },
  };
}

/** How many distinct keys a row set's rows stand for (COUNT(DISTINCT key)), tallied as the checkers tally. */
export function countDistinct(obs: Observation, rows: RowSet): number {
  return tally(obs, rows).size;
}

/**
 * No key twice among a table's rows (COUNT(DISTINCT key) = COUNT(*)), judged on the table
 * as the run left it: for an append-only sink, whose rows carry the key they stand for
 * under a row number of their own.
 */
export function distinctKeys(o: { name: string; description?: string; rows: RowSet }): Checker {
  const description = o.description ?? `no key twice among the rows of the ${nounOf(o.rows)}`;
  return {
    name: o.name,
    description,
    check(obs) {
      const log = new ViolationLog(o.name, description);
      for (const [k, n] of tally(obs, o.rows).entries()) if (n > 1) log.add(k, `${n} rows for one key in the ${nounOf(o.rows)}`);
      return log.result();
    },
  };
}
