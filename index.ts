// What a scenario author imports: `import { … } from 'faultline'`. The scenario contract,
// the kit (load generator, patterns, effect checkers), the behaviour contract, and the
// runners. Tests in CI: `import { checkScenario } from 'faultline/testing'`.
export { default as fc } from 'fast-check';
export { z } from 'zod';

// The scenario contract.
export {
  defineScenario, ScenarioError,
  type Scenario, type ScenarioDefinition, type BaseParams, type Topology, type ActorDecl, type TableKind, type Placement,
  type MetricsDecl, type Figures, type ClaimDecl, type ClaimHarness, type CheckDecl, type DrainDecl,
} from './harness/scenario.js';

// The behaviour contract.
export type { Behaviour, Context, DurableStore, KafkaRecord, RecordsMessage, RuntimeMessage, StartedMessage, ProducedMessage, ProduceFailedMessage, ActorRef, Key, LoadView } from './runtime/contract.js';
export { STEP_CRASH_POINTS, type ConsumerSpec, type TopicSpec, type KafkaOptions } from './runtime/sim/kernel.js';
export { exponentialMs, shiftedExponentialMs, perItemMs, itemCount, type ServiceTime } from './runtime/sim/service-time.js';

// The kit: load and patterns.
export { loadGenerator, loadParamsShape, LOAD_DEFAULTS, type LoadParams, type LoadRequest, type LoadGeneratorOptions } from './actors/load-generator.js';
export { arrivalProfileSchema, nextArrivalMs, rateAt, type ArrivalProfile } from './actors/arrivals.js';
export { keyNumbering, type KeyNumbering } from './actors/keys.js';
export { outbox, RELAY_CRASH_POINTS, type Outbox, type OutboxOptions, type OutboxRow } from './actors/outbox.js';
export { batcher, BATCHER_CRASH_POINTS, type Batch, type BatchDone, type BatcherOptions } from './actors/batcher.js';
export { OffsetTracker } from './actors/offset-tracker.js';
export { lockServiceBehaviour, leaseClient, type Granted, type LeaseTimeout, type LeaseRequests, type LockRow } from './actors/lease-lock.js';
export { retryDelayMs, mayRetry, retryDecision, deadLetter, firstDelivery, type RetryPolicy, type CallFailure, type RetryDecision } from './actors/retries.js';
export { TokenBucket, SlidingWindowLimiter, tokenBucketSchema, slidingWindowSchema, type RateLimiter } from './actors/rate-limiter.js';
export { Bulkhead, bulkheadSchema, type Admission } from './actors/bulkhead.js';
export { limiterService, type SharedLimit, type PermitRequest, type PermitAnswer } from './actors/limiter-service.js';
export { keyedLimiterService, keyedLimitSchema, GRANTS_TABLE, type KeyedPermitRequest, type GrantRow } from './actors/keyed-limiter.js';
export { CircuitBreaker, circuitBreakerSchema, BREAKER_LEVEL, type CircuitBreakerOptions, type BreakerState } from './actors/circuit-breaker.js';
export { PendingCalls, type CallEnvelope, type CallTimeout, type Settled } from './actors/calls.js';
export { TtlCache, ttlCacheSchema } from './actors/ttl-cache.js';
export { loadBalancer, type LoadBalancerOptions } from './actors/load-balancer.js';

// The kit: effect checkers as data.
export { ViolationLog, type Checker, type Observation, type InvariantResult, type Violation } from './checks/types.js';
export { type EntityDecl } from './checks/entity.js';
export { atMostOnce, exactlyOnePer, sameSets, fencedWrites, type RowSet } from './checks/effects.js';
export { versionsIncrease } from './checks/versions.js';
export { distinctKeys, acceptedReachSink, lateDropsJustified, totalsMatch } from './checks/streams.js';
export { staleReadsBounded, type StaleReadsOptions } from './checks/freshness.js';
export { retryAfterHonoured, grantsWithinLimit, type RetryAfterOptions, type GrantsWithinLimitOptions } from './checks/throttling.js';
export { snapshotsMatchReplay, type SnapshotsMatchReplayOptions } from './checks/event-sourcing.js';
export { copiesAgree, type CopiesAgreeOptions, type CopyPlace } from './checks/copies.js';

// Faults.
export type { FaultPlan, Fault, FaultKind } from './faults/plan.js';
export type { FaultSpace } from './faults/generators.js';

// Running.
export { runScenario, type RunOptions } from './harness/run.js';
export { checkScenario as searchScenario, type CheckOptions } from './harness/check.js';
export { sweep, type SweepOptions } from './harness/sweep.js';
export { runLive, LiveSetupError, type LiveRunOptions, type LiveRunResult } from './harness/live/live-run.js';
export type { RunResult } from './reports/run-result.js';
export type { CheckResult } from './reports/check-result.js';
export type { CapacityResult } from './reports/capacity.js';

// For tables of millions of rows of one shape.
export { DenseTable, Interner, fieldsAre } from './runtime/sim/dense-table.js';
export { SeqMap } from './runtime/sim/seq-map.js';
