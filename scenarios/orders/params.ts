// The orders scenario's parameters: the seed's figures as defaults (a ~500 ms payment
// service that approves ~70%, three attempts 1–2 s apart, one worker type).
import { z } from 'zod';
import type { BaseParams } from '../../harness/scenario.js';
import { circuitBreakerSchema } from '../../actors/circuit-breaker.js';

export const orderParamsShape = {
  partitions: z.number().int().min(1).default(12),
  /** Payment workers: members of one consumer group (after a rebalance two may hold one event). */
  members: z.number().int().min(1).max(16).default(2),
  approvalRate: z.number().min(0).max(1).default(0.7),
  paymentLatencyMs: z.number().positive().default(500),
  maxAttempts: z.number().int().min(1).default(3),
  /** A declined charge is tried again after this long, up to twice it (the seed waits 1–2 s). */
  retryDelayMs: z.number().min(0).default(1_000),
  /** A charge unanswered this long is asked again (same attempt). */
  chargeTimeoutMs: z.number().positive().default(2_000),
  workerId: z.string().min(1).default('payment-worker'),
  /** A payment-service outage: from this time, for this long, every charge is answered "unavailable" at once (0: none). */
  paymentOutageAtMs: z.number().min(0).default(0),
  paymentOutageMs: z.number().min(0).default(0),
  /** Variant `breaker`: the workers' circuit breaker (resilience4j's options) around payment calls. */
  breaker: circuitBreakerSchema.default(circuitBreakerSchema.parse({})),
};

export type OrderParams = BaseParams & { readonly [K in keyof typeof orderParamsShape]: z.infer<(typeof orderParamsShape)[K]> };
