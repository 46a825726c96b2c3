// The two tables that grow with the day: what the producer accepted (keyed `tx-<n>`) and
// the sink's rows (keyed by row number), as dense tables: a simulated day at 10,000
// transactions a minute is 14.4 million of each. Rows read back equal the rows written;
// anything else (a buggy variant's odd row) is kept as written beside them.
import type { Key } from '../../runtime/contract.js';
import { DenseTable, fieldsAre } from '../../runtime/sim/dense-table.js';
import { grown } from '../../runtime/sim/typed-array.js';
import { keyNumbering } from '../../actors/keys.js';
import type { Accepted } from './intake.js';
import type { SinkRow } from './warehouse.js';

export const TX = keyNumbering('tx');

export class AcceptedTable extends DenseTable<Accepted> {
  private amount = new Float64Array(0);
  private eventTime = new Float64Array(0);
  private acceptedAt = new Float64Array(0);

  protected indexOf = TX.numberOf;
  protected keyOf = TX.keyOf;

  protected encode(i: number, key: Key, r: Accepted): boolean {
    if (r.txId !== key || !fieldsAre(r, 4)) return false;
    this.amount[i] = r.amount;
    this.eventTime[i] = r.eventTime;
    this.acceptedAt[i] = r.acceptedAt;
    return true;
  }

  protected decode(i: number, key: Key): Accepted {
    return { txId: key as string, amount: this.amount[i], eventTime: this.eventTime[i], acceptedAt: this.acceptedAt[i] };
  }

  protected resize(n: number): void {
    this.amount = grown(this.amount, n);
    this.eventTime = grown(this.eventTime, n);
    this.acceptedAt = grown(this.acceptedAt, n);
  }
}

const rowNumber = (key: Key) => (typeof key === 'number' && Number.isInteger(key) && key >= 1 && key <= 0x7fffffff ? key : -1);

export class SinkTable extends DenseTable<SinkRow> {
  private tx = new Int32Array(0);
  private amount = new Float64Array(0);
  private eventTime = new Float64Array(0);
  private batchId = new Float64Array(0);

  protected indexOf = rowNumber;
  protected keyOf = (i: number) => i;

  protected encode(i: number, _key: Key, r: SinkRow): boolean {
    const tx = TX.numberOf(r.txId);
    if (tx < 0 || !fieldsAre(r, 4)) return false;
    this.tx[i] = tx;
    this.amount[i] = r.amount;
    this.eventTime[i] = r.eventTime;
    this.batchId[i] = r.batchId;
    return true;
  }

  protected decode(i: number): SinkRow {
    return { txId: TX.keyOf(this.tx[i]), amount: this.amount[i], eventTime: this.eventTime[i], batchId: this.batchId[i] };
  }

  protected resize(n: number): void {
    this.tx = grown(this.tx, n);
    this.amount = grown(this.amount, n);
    this.eventTime = grown(this.eventTime, n);
    this.batchId = grown(this.batchId, n);
  }
}
