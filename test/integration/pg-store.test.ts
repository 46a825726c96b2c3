// Against a real PostgreSQL (npm run pg:up). Without one it says what it skips and why.
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { CommitRefused, PgStore } from '../../runtime/live/pg-store.js';

const url = process.env.FAULTLINE_PG_URL ?? `postgres://postgres@127.0.0.1:${process.env.FAULTLINE_PG_PORT ?? 15432}/faultline`;
let pool: pg.Pool | undefined;
try {
  pool = await PgStore.connect(url);
} catch {
  pool = undefined;
}
if (pool === undefined && process.env.FAULTLINE_REQUIRE_PG === '1') throw new Error(`no PostgreSQL answers at ${url} but FAULTLINE_REQUIRE_PG=1`);
if (pool === undefined) console.warn(`test:kafka: skipping the PostgreSQL store: nothing answers at ${url} (start it with "npm run pg:up")`);
afterAll(async () => pool?.end());

describe.skipIf(pool === undefined)('the PostgreSQL durable store', () => {
  const fresh = (name: string) => new PgStore(pool!, `${name}-${Date.now()}-${Math.floor(performance.now())}`);

  it('commits a refund row and its outbox event together, and a reloaded mirror sees both', async () => {
    const store = fresh('rms');
    const mirror = await store.load();
    mirror.put('refunds', 'rf-1', { status: 'PENDING', amount: 10 });
    mirror.put('meta', 'outboxSeq', 1);
    mirror.put('outbox', 1, { refundId: 'rf-1' });
    await store.commit(mirror.commit());
    const again = await store.load();
    expect(again.get('refunds', 'rf-1')).toEqual({ status: 'PENDING', amount: 10 });
    expect(again.get('outbox', 1)).toEqual({ refundId: 'rf-1' });
    expect(again.get('meta', 'outboxSeq')).toBe(1);
  });

  it('refuses an insert another writer already made, and writes nothing of that transaction', async () => {
    const store = fresh('cs');
    const a = await store.load();
    const b = await store.load();
    a.insertIfAbsent('documents', 'rf-9', { by: 'a' });
    await store.commit(a.commit());
    b.put('meta', 'documentsWritten', 1);
    b.insertIfAbsent('documents', 'rf-9', { by: 'b' });
    await expect(store.commit(b.commit())).rejects.toBeInstanceOf(CommitRefused);
    const now = await store.load();
    expect(now.get('documents', 'rf-9')).toEqual({ by: 'a' });
    expect(now.get('meta', 'documentsWritten')).toBeUndefined();
  });

  it('fences: a write under an older token than one already written is refused whole', async () => {
    const store = fresh('ds');
    const newer = await store.load();
    const older = await store.load();
    expect(newer.fence('refund-type-1', 7)).toBe(true);
    newer.put('ledger', 'rf-1', { token: 7 });
    await store.commit(newer.commit());
    expect(older.fence('refund-type-1', 5)).toBe(true); // its mirror has not seen 7
    older.put('ledger', 'rf-2', { token: 5 });
    await expect(store.commit(older.commit())).rejects.toMatchObject({ reason: 'fenced' });
    const now = await store.load();
    expect(now.get('ledger', 'rf-2')).toBeUndefined();
    expect(now.fence('refund-type-1', 6)).toBe(false);
  });
});
