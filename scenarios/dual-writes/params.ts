// The dual-writes scenario's parameters: seeds/003's DualDatabaseWriter (three databases
// written in parallel, a breaker each), its failed-writes queue and retrier (exponential
// back-off, then compensation and a dead letter), and one database's outage to heal from.
import { z } from 'zod';
import type { BaseParams } from '../../harness/scenario.js';

export const DATABASES = ['mysql', 'mongodb', 'spanner'] as const;
export type Database = (typeof DATABASES)[number];

export const dualWritesParamsShape = {
  /** Which database goes down (or slow) for a while, and when: the failure the seed walks through. */
  outageDb: z.enum(DATABASES).default('mongodb'),
  outageKind: z.enum(['down', 'slow']).default('down'),
  outageAtMs: z.number().min(0).default(10_000),
  /** 0: no outage. */
  outageMs: z.number().min(0).default(8_000),
  /** A slow database answers this many times later than usual. */
  slowFactor: z.number().min(1).default(200),
  /** A database write unanswered this long counts as failed (it may still have happened). */
  callTimeoutMs: z.number().positive().default(1_000),
  /** Per database: the writer's breaker (resilience4j's names). */
  breakerFailureRate: z.number().min(1).max(100).default(50),
  breakerMinimumCalls: z.number().int().min(1).default(10),
  breakerOpenMs: z.number().positive().default(2_000),
  /** The retrier: attempts per database (the first retry included) and the back-off before them. */
  retryAttempts: z.number().int().min(1).default(5),
  retryDelayMs: z.number().min(0).default(200),
  retryMaxDelayMs: z.number().min(0).default(5_000),
  /** Retrier instances sharing the failed-writes topic (a consumer group). */
  retriers: z.number().int().min(1).max(8).default(2),
};

export type DualWritesParams = BaseParams & { readonly [K in keyof typeof dualWritesParamsShape]: z.infer<(typeof dualWritesParamsShape)[K]> };
