// The refund pipeline's parameters (seeds/000's defaults), beside the kit's load
// parameters (count, ratePerSec, arrival, clientTimeoutMs, …). Units are in the names.
import { z } from 'zod';
import type { BaseParams } from '../../harness/scenario.js';

const positiveInt = z.number().int().positive();
const share = z.number().min(0).max(1);
const ms = z.number().positive();

export const refundParamsShape = {
  refundTypes: positiveInt.default(8),
  amountMin: positiveInt.default(50),
  amountMax: positiveInt.default(5_000),
  /** Share of requests RMS must reject (no amount, no account). */
  invalidRate: share.default(0.02),
  /** Share of valid refunds to a closed account: the bank refuses them, they end dead-lettered. */
  closedAccountRate: share.default(0.002),
  /** Chance that one transfer attempt fails transiently. */
  transferFailureRate: share.default(0.001),
  transferAttemptsMax: positiveInt.default(3),
  partitions: positiveInt.default(12),
  batchSizeMax: positiveInt.default(500),
  batchMaxWaitMs: ms.default(2_500),
  /** The batcher sends a batch again if DS has not answered in this long. */
  batchTimeoutMs: ms.default(30_000),
  leaseMs: ms.default(10_000),
  lockAcquireTimeoutMs: ms.default(15_000),
  /** Budget per refund type, currency units: whole units below 2^53, so every sum stays exact in a double. */
  fundsPerType: z.number().int().positive().max(1e15).default(1e15),
  relayPollMs: ms.default(20),
  relayBatchMax: positiveInt.default(2_000),
};

/** The seed's load: 20,000 refunds at 2,000/s, 1% submitted twice, a 10 s client timeout. */
export const REFUND_LOAD = { count: 20_000, ratePerSec: 2_000, clientTimeoutMs: 10_000, clientAttemptsMax: 3, duplicateRate: 0.01, duplicateDelayMsMax: 3_000 } as const;

export type RefundParams = BaseParams & { readonly [K in keyof typeof refundParamsShape]: z.infer<(typeof refundParamsShape)[K]> };
