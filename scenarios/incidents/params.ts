// The incidents scenario's parameters: the seed's figures as defaults (Spring Boot's 200
// Tomcat threads and 10 Hikari connections per pod, a ~100 ms ledger query, a dynamic
// config cached in each pod), every one a --param.
import { z } from 'zod';
import type { BaseParams } from '../../harness/scenario.js';

export const incidentParamsShape = {
  /** API instances behind the load balancer. */
  pods: z.number().int().min(1).max(16).default(3),
  /** Request threads per pod (Tomcat's maxThreads): a request holds one from arrival to answer. */
  threads: z.number().int().min(1).default(200),
  /** Requests waiting for a thread beyond those (Tomcat's acceptCount); more are refused at once (503). */
  acceptQueue: z.number().int().min(0).default(100),
  /** A request that waited this long for a thread is refused (503). */
  threadWaitMs: z.number().min(0).default(20_000),
  /** Database connections per pod (Hikari's maximumPoolSize): a debit holds one for its query. */
  dbPool: z.number().int().min(1).default(10),
  /** A request that waited this long for a connection fails (Hikari's connectionTimeout; 503). */
  dbAcquireTimeoutMs: z.number().min(0).default(30_000),
  /** The ledger database's mean query time and how many queries it runs at once (its own capacity). */
  dbQueryMs: z.number().positive().default(140),
  dbMaxConnections: z.number().int().min(1).default(100),
  /** A debit unanswered this long counts as failed (the debit may still have happened). */
  ledgerTimeoutMs: z.number().positive().default(2_000),
  /** Attempts of one debit, the first included, with exponential back-off and full jitter from this delay. */
  debitAttempts: z.number().int().min(1).default(3),
  debitRetryDelayMs: z.number().min(0).default(100),
  /** The pods' local config cache: entries live this long after they were asked for, plus up to the jitter. */
  configTtlMs: z.number().positive().default(1_000),
  configTtlJitterMs: z.number().min(0).default(200),
  /** A config read from the shared cache unanswered this long fails the request (503). */
  configTimeoutMs: z.number().positive().default(500),
  /** Operators change the config this many times, this far apart (the first after one gap). */
  configChanges: z.number().int().min(0).default(4),
  configChangeEveryMs: z.number().positive().default(4_000),
  /** Share of payments that need an FX quote from the acquirer, a downstream that takes so many calls a window. */
  quoteShare: z.number().min(0).max(1).default(0.005),
  /** The acquirer's limit: at most this many calls in any window (the seed's 50 a minute), above it a 429 with Retry-After. */
  partnerLimit: z.number().int().min(1).default(50),
  partnerWindowMs: z.number().positive().default(60_000),
  /** Quote attempts per payment, the first included; a quote unanswered this long is a failed attempt. */
  quoteAttempts: z.number().int().min(1).default(3),
  quoteTimeoutMs: z.number().positive().default(2_000),
  /** A payment waits at most this long in all for a quote permit or a Retry-After, then fails (503). */
  quoteMaxWaitMs: z.number().min(0).default(5_000),
};

export type IncidentParams = BaseParams & { readonly [K in keyof typeof incidentParamsShape]: z.infer<(typeof incidentParamsShape)[K]> };

export const CONFIG_NAME = 'merchant-rule';
export const podName = (i: number) => `api-${i}`;
