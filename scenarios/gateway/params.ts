// The gateway scenario's parameters: seeds/003's figures as defaults (a bulkhead of 15 per
// service with a 30 s queue wait, a breaker opening at 50% failures for 30 s, 100 requests
// per client in any 15 min, retries from 1 s doubling with 0–100 ms of jitter).
import { z } from 'zod';
import type { BaseParams } from '../../harness/scenario.js';

export const ROUTES = ['user', 'transaction', 'payment'] as const;
export type Route = (typeof ROUTES)[number];

export const gatewayParamsShape = {
  /** Client IPs; one of them, the noisy one, sends `noisyShare` of all requests. */
  clients: z.number().int().min(1).default(2_000),
  noisyShare: z.number().min(0).max(1).default(0.2),
  /** Shares of requests by route (user, transaction, payment); a third of transaction requests are reads, the rest creates. */
  userShare: z.number().min(0).max(1).default(0.5),
  transactionShare: z.number().min(0).max(1).default(0.3),
  /** Per client: at most this many requests in any window (a sliding window kept in the shared limit store). */
  rateLimitMax: z.number().int().min(1).default(100),
  rateLimitWindowMs: z.number().positive().default(900_000),
  /** Per service: concurrent calls, waiting calls and how long one may wait (the bulkhead). */
  bulkheadSize: z.number().int().min(1).default(15),
  bulkheadQueue: z.number().int().min(0).default(50),
  bulkheadWaitMs: z.number().min(0).default(30_000),
  /** Per service: the breaker (resilience4j's names; the seed's 50% and 30 s). */
  breakerFailureRate: z.number().min(1).max(100).default(50),
  breakerMinimumCalls: z.number().int().min(1).default(10),
  breakerWindow: z.number().int().min(1).default(20),
  breakerOpenMs: z.number().positive().default(30_000),
  /** A service call unanswered this long fails (a timeout: the breaker counts it). */
  callTimeoutMs: z.number().positive().default(3_000),
  /** Reads are retried: attempts in all, from this delay doubling, plus up to `retryJitterMs` (the seed's 0–100 ms). */
  retryAttempts: z.number().int().min(1).default(4),
  retryDelayMs: z.number().min(0).default(1_000),
  retryJitterMs: z.number().min(0).default(100),
  /** 'additive': the delay plus 0–retryJitterMs (the seed); 'full': uniform in [0, delay] (AWS's full jitter). */
  retryJitter: z.enum(['additive', 'full']).default('additive'),
  /** Mean service times (ms) and workers per service. */
  serviceMs: z.number().positive().default(20),
  serviceWorkers: z.number().int().min(1).default(8),
  /** A service (`outageRoute`) fails from this time for this long (0: never): 'down' answers 503 at once, 'slow' answers `slowFactor` × later. */
  outageRoute: z.enum(ROUTES).default('transaction'),
  outageAtMs: z.number().min(0).default(0),
  outageMs: z.number().min(0).default(0),
  outageKind: z.enum(['down', 'slow']).default('down'),
  slowFactor: z.number().min(1).default(100),
};

export type GatewayParams = BaseParams & { readonly [K in keyof typeof gatewayParamsShape]: z.infer<(typeof gatewayParamsShape)[K]> };
