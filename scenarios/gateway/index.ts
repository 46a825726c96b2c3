// seeds/003's API gateway on the kit: clients (one of them noisy) → the gateway (a rate
// limit per client kept in a shared store, a breaker and a bulkhead per service, reads
// retried with back-off and jitter) → user, transaction and payment services. Checked: no
// client gets more than its limit in any window, and no create is done twice. Measured:
// a failing service does not take the others down, the breaker's path, the retry herd.
import fc from 'fast-check';
import { defineScenario } from '../../harness/scenario.js';
import { loadGenerator } from '../../actors/load-generator.js';
import { keyedLimiterService, GRANTS_TABLE, type GrantRow } from '../../actors/keyed-limiter.js';
import { grantsWithinLimit } from '../../checks/throttling.js';
import { sameSets } from '../../checks/effects.js';
import { exponentialMs } from '../../runtime/sim/service-time.js';
import { gatewayParamsShape, ROUTES, type GatewayParams, type Route } from './params.js';
import { gatewayBehaviour, ADMITTED_TABLE, type AdmittedRow, type ClientRequest } from './gateway.js';
import { service } from './services.js';
import { GATEWAY_CLAIMS } from './claims.js';

export default defineScenario({
  name: 'gateway',
  description: 'clients -> API gateway (rate limit per client in a shared store, breaker and bulkhead per service, retries with jitter) -> user, transaction, payment services (seeds/003)',
  params: gatewayParamsShape,
  // Clients do not retry: what a client sees is what the gateway decided.
  load: { count: 6_000, ratePerSec: 100, clientTimeoutMs: 120_000, clientAttemptsMax: 1 },
  validate: (p) => (p.userShare + p.transactionShare > 1 ? `userShare + transactionShare (${p.userShare} + ${p.transactionShare}) must be at most 1: the rest goes to payment` : undefined),
  topology: (p) => ({
    topics: [],
    actors: [
      {
        name: 'clients',
        behaviour: loadGenerator<ClientRequest>({
          target: 'gateway', load: p, keyPrefix: 'req', responseType: 'response', created: (s) => s === 'created',
          request: (_n, key, replyTo, _at, ctx) => {
            const client = ctx.random() < p.noisyShare ? 'ip-noisy' : `ip-${Math.floor(ctx.random() * p.clients)}`;
            const x = ctx.random();
            const route: Route = x < p.userShare ? 'user' : x < p.userShare + p.transactionShare ? 'transaction' : 'payment';
            const method = route === 'transaction' && ctx.random() < 2 / 3 ? 'POST' : 'GET';
            return { type: 'request', key, client, route, method, replyTo };
          },
        }),
      },
      { name: 'gateway', behaviour: gatewayBehaviour(p as GatewayParams) },
      { name: 'ratelimit', behaviour: keyedLimiterService({ maxCalls: p.rateLimitMax, windowMs: p.rateLimitWindowMs }) },
      ...ROUTES.map((route) => ({ name: route, behaviour: service(route, p as GatewayParams), workers: p.serviceWorkers, serviceTime: exponentialMs(p.serviceMs) })),
    ],
  }),
  entities: [{
    name: 'transaction', store: 'transaction', table: 'transactions', status: 'status',
    initial: ['CREATED'], transitions: {}, terminal: { CREATED: 'served' }, requestKey: 'request',
  }],
  invariants: (p) => [
    grantsWithinLimit({
      name: 'rate-limit-held',
      description: `no client is let through more than ${p.rateLimitMax} times in any ${p.rateLimitWindowMs} ms`,
      grants: { stores: ['ratelimit', 'gateway'], table: GRANTS_TABLE, keyOf: (r: GrantRow) => r.key, idOf: (r: GrantRow) => String(r.id) },
      maxCalls: p.rateLimitMax,
      windowMs: p.rateLimitWindowMs,
      // Judged where requests go on, too: every request the gateway let through names a grant.
      admissions: { stores: ['gateway'], table: ADMITTED_TABLE, grantOf: (r: AdmittedRow) => r.grant },
    }),
    // And what the services saw came through the gateway's admissions, not around them.
    ...ROUTES.map((route) => sameSets({
      name: 'services-reached-only-if-admitted',
      description: 'every request a service received is one the gateway admitted past the limit',
      a: { store: route, table: 'received', noun: 'request received' },
      b: { store: 'gateway', table: ADMITTED_TABLE, noun: 'admission' },
      subset: true,
    })),
  ],
  // A sliding window in the limit store is timed by that store's one clock; a skew fault
  // moves an actor's wall clock, which the store's window does not follow.
  faults: (space) => ({ ...space, weights: { ...space.weights, 'clock-skew': 0 } }),
  metrics: {
    unit: 'request',
    completed: 'gateway.served',
    headline: 'response',
    slo: 'response.p99<5000',
    latencies: ROUTES.map((r) => `route:${r}`),
    counters: ['gateway.rate-limited', 'gateway.circuit-open', 'gateway.bulkhead-full', 'gateway.failed', 'gateway.retries', 'limiter.refused', ...ROUTES.flatMap((r) => [`breaker.${r}.OPEN`, `breaker.${r}.HALF_OPEN`, `breaker.${r}.CLOSED`])],
  },
  claims: GATEWAY_CLAIMS,
  variants: {
    'retry-non-idempotent': 'the gateway retries creates after a timeout too: a create whose answer was late or lost is made twice',
    'in-memory-limiter': 'the per-client windows live in the gateway\'s memory: a restarted gateway lets every client start afresh',
    'shared-pool': 'one bulkhead for all services (as many slots as the three had): a slow service fills it and the others wait',
    'no-jitter': 'retries at exactly 1 s, 2 s, 4 s after a failure: the herd comes back together',
    'fail-open': 'when the limit store does not answer in time, the gateway lets the request through rather than refuse it: a limit store that is slow or down lifts every client\'s limit',
  },
  alternatives: ['shared-pool', 'no-jitter'],
  check: {
    // A short load from a few clients, windows of a second: limits, breakers and retries all in play within a run.
    params: { count: 80, ratePerSec: 40, clients: 4, noisyShare: 0.5, rateLimitMax: 6, rateLimitWindowMs: 1_000, callTimeoutMs: 300, retryDelayMs: 50, retryJitterMs: 20, breakerOpenMs: 300, breakerMinimumCalls: 4, breakerWindow: 8, bulkheadSize: 3, bulkheadQueue: 3, bulkheadWaitMs: 300, serviceMs: 5 },
    // The seed's mix, or mostly transactions (creates that must not be made twice).
    workload: fc.constantFrom({ userShare: 0.5, transactionShare: 0.3 }, { userShare: 0.2, transactionShare: 0.7 }),
  },
});
