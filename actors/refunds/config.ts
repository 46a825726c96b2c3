// The refund pipeline's parameters: scenario data with the seed's defaults, every
// one overridable. Units are in the names.
import type { VariantName } from './variants.js';
import type { ArrivalProfile } from './arrivals.js';

export interface RefundConfig {
  /** Logical refund requests the client sends. */
  readonly refunds: number;
  /** Mean open-loop arrival rate, virtual refunds per second (the base of the arrival profile). */
  readonly ratePerSec: number;
  readonly arrival: ArrivalProfile;
  readonly refundTypes: number;
  readonly amountMin: number;
  readonly amountMax: number;
  /** Share of requests RMS must reject (no amount, no account). */
  readonly invalidRate: number;
  /** Share of requests the client sends twice with the same key (double submit). */
  readonly clientRetryRate: number;
  readonly clientRetryDelayMsMax: number;
  /** The client retries a request that got no answer in this long, with the same key. */
  readonly clientTimeoutMs: number;
  readonly clientAttemptsMax: number;
  /** Share of valid refunds to a closed account: the bank refuses them, they end dead-lettered. */
  readonly closedAccountRate: number;
  /** Chance that one transfer attempt fails transiently. */
  readonly transferFailureRate: number;
  readonly transferAttemptsMax: number;
  readonly partitions: number;
  readonly batchSizeMax: number;
  readonly batchMaxWaitMs: number;
  /** The batcher sends a batch again if DS has not answered in this long. */
  readonly batchTimeoutMs: number;
  readonly leaseMs: number;
  readonly lockAcquireTimeoutMs: number;
  /** Budget per refund type, currency units. */
  readonly fundsPerType: number;
  readonly relayPollMs: number;
  readonly relayBatchMax: number;
  readonly variant: VariantName;
}

export const REFUND_DEFAULTS: RefundConfig = {
  refunds: 20_000,
  ratePerSec: 2_000,
  arrival: { kind: 'poisson' },
  refundTypes: 8,
  amountMin: 50,
  amountMax: 5_000,
  invalidRate: 0.02,
  clientRetryRate: 0.01,
  clientRetryDelayMsMax: 3_000,
  clientTimeoutMs: 10_000,
  clientAttemptsMax: 3,
  closedAccountRate: 0.002,
  transferFailureRate: 0.001,
  transferAttemptsMax: 3,
  partitions: 12,
  batchSizeMax: 500,
  batchMaxWaitMs: 2_500,
  batchTimeoutMs: 30_000,
  leaseMs: 10_000,
  lockAcquireTimeoutMs: 15_000,
  fundsPerType: 1e15,
  relayPollMs: 20,
  relayBatchMax: 2_000,
  variant: 'correct',
};
