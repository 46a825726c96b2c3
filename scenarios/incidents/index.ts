// seeds/001's production incidents on the kit: a payment API of thread-per-request pods
// behind a load balancer, each with its request threads, its database connection pool and
// its local cache of a dynamic config, debiting a ledger database. Each incident is a
// variant with its fix as the correct design, judged by checks (a double debit, a stale
// read past the TTL bound) or by thresholds in the claims (pool math under a spike).
import fc from 'fast-check';
import { defineScenario } from '../../harness/scenario.js';
import { loadGenerator } from '../../actors/load-generator.js';
import { loadBalancer } from '../../actors/load-balancer.js';
import { staleReadsBounded } from '../../checks/freshness.js';
import { shiftedExponentialMs } from '../../runtime/sim/service-time.js';
import { limiterService } from '../../actors/limiter-service.js';
import { retryAfterHonoured } from '../../checks/throttling.js';
import { incidentParamsShape, podName, type IncidentParams } from './params.js';
import { apiPod, type Pay, type PartnerCallRow, type ReadRow } from './api.js';
import { acquirer, configService, ledger, operators, type VersionRow } from './backends.js';
import { INCIDENT_CLAIMS } from './claims.js';

const pods = (p: { pods: number }) => Array.from({ length: p.pods }, (_, i) => podName(i));

export default defineScenario({
  name: 'incidents',
  description: 'clients -> load balancer -> API pods (request threads, DB connection pool, local config cache) -> ledger database; config service with pub/sub eviction (seeds/001)',
  params: incidentParamsShape,
  // 150 payments/s on three pods whose pools take 300/s (10 connections × ~100 ms each).
  load: { count: 6_000, ratePerSec: 150, clientTimeoutMs: 10_000, clientAttemptsMax: 2 },
  validate: (p) =>
    p.configTimeoutMs >= p.configTtlMs
      ? `configTimeoutMs (${p.configTimeoutMs}) must be below configTtlMs (${p.configTtlMs}): a config answer may arrive as late as the timeout, and it must still be fresh when it does`
      : undefined,
  topology: (p) => ({
    topics: [],
    actors: [
      {
        name: 'clients',
        behaviour: loadGenerator<Pay>({
          target: 'lb', load: p, keyPrefix: 'pay', responseType: 'payment-response', metric: 'response', created: (s) => s === 'debited',
          request: (_n, key, replyTo, _at, ctx) => ({ type: 'pay', key, amount: 100 + Math.floor(ctx.random() * 9_900), quote: ctx.random() < p.quoteShare, replyTo }),
        }),
      },
      { name: 'lb', behaviour: loadBalancer({ targets: pods(p) }) },
      ...pods(p).map((name) => ({ name, behaviour: apiPod(p as IncidentParams) })),
      { name: 'config', behaviour: configService(pods(p)), workers: 4, serviceTime: 0.5 },
      { name: 'operators', behaviour: operators(p.configChanges, p.configChangeEveryMs) },
      // A query takes at least half its mean (the work itself), plus an exponential tail.
      { name: 'ledger', behaviour: ledger, workers: p.dbMaxConnections, serviceTime: shiftedExponentialMs(p.dbQueryMs / 2, p.dbQueryMs) },
      // The fleet's shared limit on calls to the acquirer (the seed's Redis token bucket), as a sliding window matching the acquirer's.
      { name: 'quota', behaviour: limiterService({ kind: 'sliding-window', maxCalls: p.partnerLimit, windowMs: p.partnerWindowMs }) },
      { name: 'acquirer', behaviour: acquirer(p.partnerLimit, p.partnerWindowMs) },
    ],
  }),
  entities: [{
    name: 'debit', store: 'ledger', table: 'debits', status: 'status',
    initial: ['DEBITED'], transitions: {}, terminal: { DEBITED: 'served' }, requestKey: 'payment',
    names: { onePerRequest: 'no-double-debit' },
  }],
  invariants: (p) => [
    staleReadsBounded({
      name: 'config-fresh-within-ttl',
      versions: { store: 'config', table: 'versions', versionOf: (r: VersionRow) => r.version },
      reads: { stores: pods(p), table: 'reads', valueOf: (r: ReadRow) => r.config, versionOf: (r: ReadRow) => r.version },
      // A pod's entry lives the TTL plus its jitter from when it was asked for, and the config service answered after that.
      maxStalenessMs: p.configTtlMs + p.configTtlJitterMs,
    }),
    retryAfterHonoured({
      name: 'retry-after-honoured',
      description: 'no pod asks the acquirer again for a quote it was refused with a 429 and a Retry-After before that has passed',
      calls: { stores: pods(p), table: 'acquirer_calls', callOf: (r: PartnerCallRow) => r.call, retryAfterMsOf: (r: PartnerCallRow) => r.retryAfterMs },
    }),
  ],
  // Local caches time their entries on a monotonic clock (Caffeine reads System.nanoTime), which
  // a wall-clock step does not move; the contract's ctx.now() is the wall clock a skew fault moves.
  faults: (space) => ({ ...space, weights: { ...space.weights, 'clock-skew': 0 } }),
  metrics: {
    unit: 'payment',
    headline: 'response',
    slo: 'response.p99<1000',
    latencies: ['threadWait', 'poolWait', 'call:ledger', 'call:config'],
    counters: ['acquirer.served', 'acquirer.throttled', 'api.quoteRetries', 'api.quoteGaveUp', 'api.unavailable', 'api.acceptQueueFull', 'api.poolTimeouts', 'api.threadQueueTimeouts', 'api.debitRetries', 'ledger.repeatedDebits', 'cache.l1Hits', 'cache.l2Reads', 'cache.evictions', 'config.changes'],
  },
  claims: INCIDENT_CLAIMS,
  variants: {
    'retry-without-key': 'incident 2: the pod retries a debit whose answer was lost under a new debit id (no idempotency key): the ledger debits twice',
    'retry-storm': 'incident A: each pod limits its acquirer calls as if it were the only caller, and takes a 429 for a failure to retry at once (no Retry-After): retries feed the throttle',
    'no-ttl-backstop': 'incident B: the pods\' local cache has no TTL, only pub/sub eviction: a pod that misses an eviction serves the old config for good',
  },
  check: {
    // A short load, config changes every 300 ms, a TTL of 600 ms: a lost eviction shows within a run of seconds.
    params: { count: 60, ratePerSec: 30, configChanges: 6, configChangeEveryMs: 300, configTtlMs: 600, configTtlJitterMs: 100, configTimeoutMs: 200, ledgerTimeoutMs: 300, debitRetryDelayMs: 50, clientTimeoutMs: 1_500, dbQueryMs: 10,
      // A third of the payments need a quote from an acquirer that takes 4 in any 500 ms.
      quoteShare: 0.3, partnerLimit: 4, partnerWindowMs: 500, quoteTimeoutMs: 300, quoteMaxWaitMs: 1_000 },
    // A pool of two connections makes requests wait for one (and time out waiting) under the same faults.
    workload: fc.record({ dbPool: fc.constantFrom(2, 10) }),
  },
});
