// Messages of the rejected design: RMS coordinating a synchronous two-phase commit
// over DS and CS for every refund (seeds/000, "a colleague proposed ...").
import type { RefundEvent } from '../refunds/model.js';

export interface Prepare {
  readonly type: 'prepare';
  readonly txId: string;
  readonly refund: RefundEvent;
  readonly replyTo: number;
}
export interface Vote {
  readonly type: 'vote';
  readonly txId: string;
  readonly from: 'ds' | 'cs';
  readonly yes: boolean;
  readonly reason?: string;
}
export interface Decide {
  readonly type: 'commit' | 'abort';
  readonly txId: string;
  readonly refund: RefundEvent;
  readonly replyTo: number;
}
export interface Done {
  readonly type: 'done';
  readonly txId: string;
  readonly from: 'ds' | 'cs';
}
