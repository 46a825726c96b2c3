// The refund pipeline written by hand on kafkajs and pg, no harness: what a team would
// write, for the bench to measure the harness's overhead against (same broker, same run).
// Same shape as scenarios/refunds with its defaults: an HTTP intake that writes the refund
// and its outbox row in one transaction; a relay publishing the outbox to refund-requested
// (12 partitions, keyed by refund); a consumer batching per refund type as the scenario's
// batcher does (up to 500, or what arrived within batchMaxWaitMs of the batch's first
// record, across partitions) that takes a lease per batch (a transaction), writes ledger rows
// and the type's budget (a transaction), publishes one outcome per refund and releases the
// lease (a transaction), at most 4 batches at a time as the scenario's 4 DS; two
// consumer groups on refund-outcomes: documents (a transaction per batch) and refund
// statuses (a transaction per batch). Offsets committed after the effects. Each transaction
// is one statement (one round trip), as a careful hand would write it. No faults, no
// failure paths: the happy path's transactions and records, which is what throughput costs.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import pg from 'pg';
import { JAVA_COMPATIBLE_PARTITIONER } from '../runtime/live/kafka-connection.js';

export interface HandWrittenResult {
  readonly completed: number;
  /** Completed refunds per second, from the first request until the last refund's status was written. */
  readonly perSec: number;
  readonly responseP99Ms: number;
}

const TYPES = 8;
const BATCH_MAX = 500;

export async function handWrittenRefunds(o: { brokers: string[]; dbUrl: string; count: number; ratePerSec: number; batchMaxWaitMs: number }): Promise<HandWrittenResult> {
  const run = `hw${Date.now().toString(36)}`;
  const t = (name: string) => `faultline-bench.${run}.${name}`;
  const kafka = new Kafka({ clientId: run, brokers: o.brokers, logLevel: logLevel.NOTHING });
  const db = new pg.Pool({ connectionString: o.dbUrl, max: 8 });
  const tbl = (name: string) => `${run}_${name}`;
  await db.query(`CREATE TABLE ${tbl('refunds')} (id text PRIMARY KEY, type int, amount int, status text);
    CREATE TABLE ${tbl('outbox')} (seq bigserial PRIMARY KEY, key text, value text, published boolean NOT NULL DEFAULT false);
    CREATE INDEX ON ${tbl('outbox')} (seq) WHERE NOT published;
    CREATE TABLE ${tbl('leases')} (type int PRIMARY KEY, token bigint, held boolean);
    CREATE TABLE ${tbl('ledger')} (refund text PRIMARY KEY, batch text);
    CREATE TABLE ${tbl('budget')} (type int PRIMARY KEY, spent bigint);
    CREATE TABLE ${tbl('documents')} (refund text PRIMARY KEY, doc text);`);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: t('refund-requested'), numPartitions: 12 }, { topic: t('refund-outcomes'), numPartitions: 12 }] });
  const producer: Producer = kafka.producer({ createPartitioner: JAVA_COMPATIBLE_PARTITIONER, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const consumers: Consumer[] = [];
  let statuses = 0;
  let lastStatusAt = 0;

  const consume = async (group: string, topic: string, each: (records: { key: string; value: Record<string, unknown> }[]) => Promise<void>) => {
    const c = kafka.consumer({ groupId: t(group), maxWaitTimeInMs: 100 });
    consumers.push(c);
    await c.connect();
    await c.subscribe({ topic: t(topic), fromBeginning: true });
    void c.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (batch.messages.length === 0) return;
        await each(batch.messages.map((m) => ({ key: m.key!.toString(), value: JSON.parse(m.value!.toString()) as Record<string, unknown> })));
        await c.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(Number(batch.messages[batch.messages.length - 1].offset) + 1) }]);
      },
    });
  };

  // The batcher, as the scenario's: records of refund-requested gathered per refund type, across
  // partitions, into batches of up to 500 or what arrived within `batchMaxWaitMs` of a batch's
  // first record; a partition's offsets committed only up to its first record whose batch is not
  // done. DS, for each batch: a lease (a transaction), ledger and budget in one transaction, the
  // outcomes, the lease released (a transaction). Batches of one type in turn, at most 4 at a
  // time (the scenario's 4 DS).
  const batcher = kafka.consumer({ groupId: t('batcher'), maxWaitTimeInMs: 100 });
  consumers.push(batcher);
  await batcher.connect();
  await batcher.subscribe({ topic: t('refund-requested'), fromBeginning: true });
  type Item = { key: string; amount: number; partition: number; done: boolean; offset: number };
  const open = new Map<number, { items: Item[]; since: number }>();
  const byType = new Map<number, Promise<void>>();
  const unfinished = new Map<number, Item[]>(); // per partition, in offset order
  let batchSeq = 0;
  let failure: unknown;
  // One offset commit at a time, so a later one never lands before an earlier.
  let committing: Promise<void> = Promise.resolve();
  const commitDone = () => (committing = committing.then(commitDoneNow));
  const commitDoneNow = async () => {
    const offsets: { topic: string; partition: number; offset: string }[] = [];
    for (const [partition, items] of unfinished) {
      let n = 0;
      while (n < items.length && items[n].done) n++;
      if (n === 0) continue;
      offsets.push({ topic: t('refund-requested'), partition, offset: String(items[n - 1].offset + 1) });
      items.splice(0, n);
    }
    if (offsets.length > 0) await batcher.commitOffsets(offsets);
  };
  const DS_WORKERS = 4;
  let dsBusy = 0;
  const dsWaiting: (() => void)[] = [];
  const dsSlot = async () => {
    if (dsBusy < DS_WORKERS) dsBusy++;
    else await new Promise<void>((r) => dsWaiting.push(r)); // handed over by the batch that frees it
  };
  const dsFree = () => {
    const next = dsWaiting.shift();
    if (next !== undefined) next();
    else dsBusy--;
  };
  const flush = (type: number) => {
    const batch = open.get(type)!;
    open.delete(type);
    const batchId = `b${++batchSeq}`;
    const run = async () => {
      await dsSlot();
      try {
        await ds();
      } finally {
        dsFree();
      }
      for (const r of batch.items) r.done = true;
      await commitDone();
    };
    const ds = async () => {
      const lease = await db.query<{ token: string }>(`INSERT INTO ${tbl('leases')} VALUES ($1, 1, true)
        ON CONFLICT (type) DO UPDATE SET token = ${tbl('leases')}.token + 1, held = true RETURNING token`, [type]);
      // Ledger rows and the type's budget in one statement (one transaction): only refunds not in the ledger yet count.
      await db.query(`WITH l AS (INSERT INTO ${tbl('ledger')} SELECT unnest($1::text[]), $2 ON CONFLICT DO NOTHING RETURNING refund)
        INSERT INTO ${tbl('budget')} SELECT $3, coalesce(sum(a), 0) FROM l JOIN unnest($1::text[], $4::int[]) AS x(k, a) ON x.k = l.refund
        ON CONFLICT (type) DO UPDATE SET spent = ${tbl('budget')}.spent + excluded.spent`, [batch.items.map((r) => r.key), batchId, type, batch.items.map((r) => r.amount)]);
      await producer.send({ topic: t('refund-outcomes'), acks: -1, messages: batch.items.map((r) => ({ key: r.key, value: JSON.stringify({ refundId: r.key, status: 'DISBURSED', batchId }) })) });
      await db.query(`UPDATE ${tbl('leases')} SET held = false WHERE type = $1 AND token = $2`, [type, lease.rows[0].token]);
    };
    byType.set(type, (byType.get(type) ?? Promise.resolve()).then(run).catch((err) => (failure ??= err)));
  };
  const due = setInterval(() => {
    const now = performance.now();
    for (const [type, b] of open) if (now - b.since >= o.batchMaxWaitMs) flush(type);
  }, Math.max(1, Math.min(10, o.batchMaxWaitMs / 4)));
  void batcher.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        const v = JSON.parse(m.value!.toString()) as { refundType: number; amount: number };
        const item: Item = { key: m.key!.toString(), amount: v.amount, partition: batch.partition, done: false, offset: Number(m.offset) };
        let list = unfinished.get(batch.partition);
        if (list === undefined) unfinished.set(batch.partition, (list = []));
        list.push(item);
        let b = open.get(v.refundType);
        if (b === undefined) open.set(v.refundType, (b = { items: [], since: performance.now() }));
        b.items.push(item);
        if (b.items.length >= BATCH_MAX) flush(v.refundType);
      }
    },
  });
  await consume('cs', 'refund-outcomes', async (records) => {
    await db.query(`INSERT INTO ${tbl('documents')} SELECT r, 'doc-' || r FROM unnest($1::text[]) AS r ON CONFLICT DO NOTHING`, [records.map((r) => r.key)]);
  });
  await consume('rms-status', 'refund-outcomes', async (records) => {
    await db.query(`UPDATE ${tbl('refunds')} SET status = 'DISBURSED' WHERE id = ANY($1) AND status = 'PENDING'`, [records.map((r) => r.key)]);
    statuses += records.length;
    lastStatusAt = performance.now();
  });

  // The outbox relay: polls every 20 ms, publishes up to 2,000 rows, marks them in a transaction. (Not a
  // cursor over seq: transactions commit out of seq order, and a cursor would skip the late ones, as a
  // first version of this bench did.)
  let relaying = true;
  const relay = (async () => {
    while (relaying) {
      const { rows } = await db.query<{ seq: string; key: string; value: string }>(
        `SELECT seq, key, value FROM ${tbl('outbox')} WHERE NOT published ORDER BY seq LIMIT 2000`);
      if (rows.length === 0) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      await producer.send({ topic: t('refund-requested'), acks: -1, messages: rows.map((r) => ({ key: r.key, value: r.value })) });
      await db.query(`UPDATE ${tbl('outbox')} SET published = true WHERE seq = ANY($1::bigint[])`, [rows.map((r) => r.seq)]);
    }
  })();

  // The intake: a refund and its outbox row in one transaction, idempotent on the refund id.
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const r = JSON.parse(body) as { id: string; type: number; amount: number };
      // One statement, so one round trip and one transaction: the refund, and its outbox row only if it is new.
      void db.query(`WITH r AS (INSERT INTO ${tbl('refunds')} VALUES ($1, $2, $3, 'PENDING') ON CONFLICT DO NOTHING RETURNING id)
        INSERT INTO ${tbl('outbox')} (key, value) SELECT id, $4 FROM r`, [r.id, r.type, r.amount, JSON.stringify({ refundId: r.id, refundType: r.type, amount: r.amount, account: 'open' })]).then(() => res.end('{"status":"PENDING"}'), () => {
        res.statusCode = 500;
        res.end();
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;

  // An open-loop client: requests go out at their planned times, latency from the planned time.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const latencies: number[] = [];
  const t0 = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    let answered = 0;
    const tick = setInterval(() => {
      const due = Math.min(o.count, Math.floor(((performance.now() - t0) / 1000) * o.ratePerSec));
      for (; sent < due; sent++) {
        const planned = t0 + (sent / o.ratePerSec) * 1000;
        const i = sent;
        const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/refunds', agent, headers: { 'content-type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - planned);
            if (++answered === o.count) resolve();
          });
        });
        req.end(JSON.stringify({ id: `rf-${i + 1}`, type: i % TYPES, amount: 50 + (i % 4_950) }));
      }
      if (sent >= o.count) clearInterval(tick);
    }, 5);
  });
  try {
    while (statuses < o.count) {
      if (failure !== undefined) throw failure;
      await new Promise((r) => setTimeout(r, 50));
      if (process.env.FAULTLINE_BENCH_DEBUG === '1') console.error(`sent ${sent} statuses ${statuses}`);
    }
  } finally {
    // Whether it finished or failed, nothing of it is left on the broker or in the database.
    relaying = false;
    await relay.catch(() => {});
    clearInterval(due);
    server.close();
    agent.destroy();
    for (const c of consumers) await c.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
    await admin.deleteTopics({ topics: [t('refund-requested'), t('refund-outcomes')] }).catch(() => {});
    await admin.deleteGroups(['batcher', 'cs', 'rms-status'].map(t)).catch(() => {});
    await admin.disconnect();
    for (const name of ['refunds', 'outbox', 'leases', 'ledger', 'budget', 'documents']) await db.query(`DROP TABLE ${tbl(name)}`).catch(() => {});
    await db.end();
  }
  const perSec = o.count / ((lastStatusAt - t0) / 1000);
  latencies.sort((a, b) => a - b);
  return { completed: statuses, perSec, responseP99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0 };
}
