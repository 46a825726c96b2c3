// Fault plans are data: a list of plain, serialisable objects, validated by this schema,
// generated and shrunk by fast-check, printed and replayed. One kind per entry of
// DESIGN.md's catalogue. Times are virtual milliseconds from the start of the run;
// every fault ends by its own end time (the plan's heal time is the latest of them).
import { z } from 'zod';
import { COMMITTED_RECORDS_KEPT } from '../runtime/sim/specs.js';

const name = z.string().min(1);
const ms = z.number().min(0);
const positiveMs = z.number().positive();
const count = z.number().int().min(1);

export const crashAtTime = z.strictObject({
  kind: z.literal('crash'),
  actor: name,
  atMs: ms,
  restartAfterMs: ms.default(100),
});

export const crashAtPoint = z.strictObject({
  kind: z.literal('crash'),
  actor: name,
  /** A behaviour's crash point or a kernel step boundary (before-commit, after-commit, after-sends). */
  point: name,
  /** Which pass through the point crashes (1 = the first)… */
  occurrence: count.default(1),
  /** …counting passes from this time on (default: from the start): a point a busy actor passes thousands of times, armed deep in the run. */
  afterMs: ms.optional(),
  restartAfterMs: ms.default(100),
});

/** A consumer group rebalances (a member lost its assignment): uncommitted records go out again. */
export const redeliver = z.strictObject({ kind: z.literal('redeliver'), group: name, atMs: ms });

/** The acknowledgements of `count` produce requests by `actor` are lost: the producer retries them. */
export const duplicate = z.strictObject({ kind: z.literal('duplicate'), actor: name, atMs: ms, count: count.default(1) });

/** The next `count` messages of `messageType` to `to` after `atMs` are lost (the request was applied). */
export const loseResponse = z.strictObject({ kind: z.literal('lose-response'), to: name, messageType: name, atMs: ms, count: count.default(1) });

/** Messages to `to` (from `from`, if given) take `extraMs` longer during the window. */
export const delay = z.strictObject({ kind: z.literal('delay'), to: name, from: name.optional(), extraMs: positiveMs, atMs: ms, durationMs: positiveMs });

/** The actor stalls (a GC pause): it handles nothing during the window. */
export const pause = z.strictObject({ kind: z.literal('pause'), actor: name, atMs: ms, durationMs: positiveMs });

/** The actor is cut off: every message to or from it is lost during the window. */
export const partition = z.strictObject({ kind: z.literal('partition'), actor: name, atMs: ms, durationMs: positiveMs });

/** A partition's leader is unavailable during the window. */
export const outage = z.strictObject({ kind: z.literal('outage'), topic: name, partition: z.number().int().min(0), atMs: ms, durationMs: positiveMs });

/** The actor answers 429 to what arrives above `maxPerSec` during the window. */
export const throttle = z.strictObject({ kind: z.literal('throttle'), actor: name, maxPerSec: z.number().int().min(0), atMs: ms, durationMs: positiveMs });

/** The actor's clock is off by `skewMs` (either way) during the window. */
export const clockSkew = z.strictObject({ kind: z.literal('clock-skew'), actor: name, skewMs: z.number(), atMs: ms, durationMs: positiveMs });

/** The actor stalls for `pauseMs` on receiving the `occurrence`-th `messageType` (a lock holder paused past its lease). */
export const leaseExpiry = z.strictObject({
  kind: z.literal('lease-expiry'),
  actor: name,
  messageType: name.default('granted'),
  occurrence: count.default(1),
  pauseMs: positiveMs,
});

/**
 * An operator resets the group's committed offsets `records` back on every partition
 * (reprocessing a topic, say after a bad deploy): the group then reads again, in order,
 * records it had already handled and committed. A consumer that applies an old event
 * over newer state without checking shows it here, and no redelivery (which replays only
 * what was not yet committed) ever would.
 */
export const rewind = z.strictObject({ kind: z.literal('rewind'), group: name, atMs: ms, records: count.default(100) });

/**
 * Messages to `to` (from `from`, if given) sent during the window are each held back a
 * random extra time up to `windowMs`, so messages sent within `windowMs` of one another
 * may arrive in any order: requests and callbacks between services (a pool of
 * connections, a load balancer, retries on another connection) overtake each other. A
 * Kafka connection keeps its order, so from the broker only records of different
 * partitions change places.
 */
export const reorder = z.strictObject({ kind: z.literal('reorder'), to: name, from: name.optional(), windowMs: positiveMs, atMs: ms, durationMs: positiveMs });

/**
 * A partition's followers stop replicating at `atMs` (a slow follower, a disk stall);
 * `durationMs` later its leader fails and a follower takes over, without what the leader
 * had appended since: those records are gone. A producer with `acks: 1` was told they
 * were written (the leader acknowledges on its own append); one with `acks: 'all'` (the
 * default) was not, and sends them again to the new leader. Consumers never saw them
 * (they read up to the high watermark, which replication moves).
 */
export const leaderFailover = z.strictObject({ kind: z.literal('leader-failover'), topic: name, partition: z.number().int().min(0), atMs: ms, durationMs: positiveMs });

/** Every attempt to process the record with this key on this topic throws. */
export const poison = z.strictObject({ kind: z.literal('poison'), topic: name, key: name });

export const faultSchema = z.union([
  crashAtTime, crashAtPoint, redeliver, duplicate, loseResponse, delay, pause, partition, outage, throttle, clockSkew, leaseExpiry, poison, rewind,
  reorder, leaderFailover,
]);
export const faultPlanSchema = z.array(faultSchema);

/** The schema of one kind (crash: by time or by point), for error messages that name the field. */
export function schemaOfKind(fault: { kind?: unknown; point?: unknown }): z.ZodType | undefined {
  switch (fault.kind) {
    case 'crash': return fault.point !== undefined ? crashAtPoint : crashAtTime;
    case 'redeliver': return redeliver;
    case 'duplicate': return duplicate;
    case 'lose-response': return loseResponse;
    case 'delay': return delay;
    case 'pause': return pause;
    case 'partition': return partition;
    case 'outage': return outage;
    case 'throttle': return throttle;
    case 'clock-skew': return clockSkew;
    case 'lease-expiry': return leaseExpiry;
    case 'poison': return poison;
    case 'rewind': return rewind;
    case 'reorder': return reorder;
    case 'leader-failover': return leaderFailover;
    default: return undefined;
  }
}

export type Fault = z.infer<typeof faultSchema>;
export type FaultPlan = Fault[];
export type FaultKind = Fault['kind'];

export const FAULT_KINDS: readonly FaultKind[] = [
  'crash', 'redeliver', 'duplicate', 'lose-response', 'delay', 'pause', 'partition', 'outage', 'throttle', 'clock-skew', 'lease-expiry', 'poison', 'rewind',
  'reorder', 'leader-failover',
];

/** How far back a generated rewind goes at most (records per partition): as far as topics keep committed records. */
export const REWIND_RECORDS_MAX = COMMITTED_RECORDS_KEPT;

/** Whether (and how often) each planned fault fired, in plan order. */
export interface FaultReport {
  readonly fault: Fault;
  fired: number;
}

/** When the last fault of the plan is over (virtual ms); crashes heal when the actor is back. */
export function healTimeMs(plan: FaultPlan): number {
  let t = 0;
  for (const f of plan) {
    if ('durationMs' in f) t = Math.max(t, f.atMs + f.durationMs);
    else if (f.kind === 'crash' && 'atMs' in f) t = Math.max(t, f.atMs + f.restartAfterMs);
    // Armed from a time: the run goes on at least until then (and its restart), or the drain may end first.
    else if (f.kind === 'crash' && f.afterMs !== undefined) t = Math.max(t, f.afterMs + f.restartAfterMs);
    else if ('atMs' in f) t = Math.max(t, f.atMs);
  }
  return t;
}
