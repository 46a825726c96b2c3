// The refund pipeline's three big tables (RMS refunds, DS ledger, CS documents) as
// dense tables keyed by the request number in `rf-<n>`: one row per refund, millions of
// them in a peak-season run. Rows read back equal the rows written, field for field;
// anything that does not fit (another key, a field out of range) is kept as written.
import type { Key } from '../../runtime/contract.js';
import { DenseTable, Interner, fieldsAre } from '../../runtime/sim/dense-table.js';
import { grown } from '../../runtime/sim/typed-array.js';
import type { DocumentRow, LedgerRow, Outcome, RefundRow, RefundStatus } from './model.js';

/** The n of `rf-<n>` (n >= 1, no leading zero), or -1: parsed without allocating. */
export function refundNumber(key: Key): number {
  if (typeof key !== 'string' || key.length < 4 || key.length > 18 || key.charCodeAt(0) !== 114 || key.charCodeAt(1) !== 102 || key.charCodeAt(2) !== 45) return -1;
  if (key.charCodeAt(3) === 48) return -1; // "rf-0…": not a form keyOf gives back
  let n = 0;
  for (let i = 3; i < key.length; i++) {
    const c = key.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n <= 0x7fffffff ? n : -1;
}

/** The key of refund (and client request) number n. */
export const refundKey = (n: number) => `rf-${n}`;
const STATUSES: readonly RefundStatus[] = ['PENDING', 'DISBURSED', 'REJECTED', 'DEAD_LETTERED'];
const OUTCOMES: readonly Outcome[] = ['DISBURSED', 'FAILED'];
const isInt32 = (x: number) => Number.isInteger(x) && x >= -0x80000000 && x <= 0x7fffffff;

export class RefundTable extends DenseTable<RefundRow> {
  private refundType = new Int32Array(0);
  private amount = new Float64Array(0);
  private status = new Uint8Array(0);
  private requestedAt = new Float64Array(0);
  private reason = new Uint16Array(0);
  private readonly reasons = new Interner();

  protected indexOf = refundNumber;
  protected keyOf = refundKey;

  protected encode(i: number, key: Key, r: RefundRow): boolean {
    const s = STATUSES.indexOf(r.status);
    const why = this.reasons.id(r.reason);
    if (r.key !== key || s < 0 || why < 0 || !isInt32(r.refundType) || !fieldsAre(r, 6)) return false;
    this.refundType[i] = r.refundType;
    this.amount[i] = r.amount;
    this.status[i] = s;
    this.requestedAt[i] = r.requestedAt;
    this.reason[i] = why;
    return true;
  }

  protected decode(i: number, key: Key): RefundRow {
    return { key: key as string, refundType: this.refundType[i], amount: this.amount[i], status: STATUSES[this.status[i]], requestedAt: this.requestedAt[i], reason: this.reasons.string(this.reason[i]) };
  }

  protected resize(n: number): void {
    this.refundType = grown(this.refundType, n);
    this.amount = grown(this.amount, n);
    this.status = grown(this.status, n);
    this.requestedAt = grown(this.requestedAt, n);
    this.reason = grown(this.reason, n);
  }
}

export class LedgerTable extends DenseTable<LedgerRow> {
  private status = new Uint8Array(0);
  private amount = new Float64Array(0);
  private refundType = new Int32Array(0);
  private lock = new Uint16Array(0);
  private token = new Float64Array(0);
  private reason = new Uint16Array(0);
  private readonly locks = new Interner();
  private readonly reasons = new Interner();

  protected indexOf = refundNumber;
  protected keyOf = refundKey;

  protected encode(i: number, key: Key, r: LedgerRow): boolean {
    const s = OUTCOMES.indexOf(r.status);
    const lock = this.locks.id(r.lock);
    const why = this.reasons.id(r.reason);
    if (r.refundId !== key || s < 0 || lock <= 0 || why < 0 || !isInt32(r.refundType) || !fieldsAre(r, 7)) return false;
    this.status[i] = s;
    this.amount[i] = r.amount;
    this.refundType[i] = r.refundType;
    this.lock[i] = lock;
    this.token[i] = r.token;
    this.reason[i] = why;
    return true;
  }

  protected decode(i: number, key: Key): LedgerRow {
    return { refundId: key as string, status: OUTCOMES[this.status[i]], amount: this.amount[i], refundType: this.refundType[i], lock: this.locks.string(this.lock[i])!, token: this.token[i], reason: this.reasons.string(this.reason[i]) };
  }

  protected resize(n: number): void {
    this.status = grown(this.status, n);
    this.amount = grown(this.amount, n);
    this.refundType = grown(this.refundType, n);
    this.lock = grown(this.lock, n);
    this.token = grown(this.token, n);
    this.reason = grown(this.reason, n);
  }
}

export class DocumentTable extends DenseTable<DocumentRow> {
  private amount = new Float64Array(0);
  private requestedAt = new Float64Array(0);

  protected indexOf = refundNumber;
  protected keyOf = refundKey;

  protected encode(i: number, key: Key, r: DocumentRow): boolean {
    if (r.refundId !== key || !fieldsAre(r, 3)) return false;
    this.amount[i] = r.amount;
    this.requestedAt[i] = r.requestedAt;
    return true;
  }

  protected decode(i: number, key: Key): DocumentRow {
    return { refundId: key as string, amount: this.amount[i], requestedAt: this.requestedAt[i] };
  }

  protected resize(n: number): void {
    this.amount = grown(this.amount, n);
    this.requestedAt = grown(this.requestedAt, n);
  }
}
