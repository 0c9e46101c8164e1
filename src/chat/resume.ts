// Whether a SUBSCRIBE with `since-seq` (and `epoch`) may be answered with a replay: seqs count within one
// run of a room's history (its epoch), so a client naming another epoch, or a seq past the room's head
// (a database restored from an older backup), is told the history was reset and gets no replay. Pure:
// knows the room's head, not the store or the broker.
import type { HistoryReset } from '../protocol/index.js';

export interface LogHead {
  readonly epoch: string;
  readonly lastSeq: number;
}

export type Resume =
  | { readonly kind: 'replay'; readonly afterSeq: number }
  | { readonly kind: 'reset'; readonly notice: HistoryReset };

/** `epoch` undefined: a client that does not know epochs (only the head check applies). */
export function resumeFrom(head: LogHead, sinceSeq: number, epoch: string | undefined): Resume {
  if ((epoch !== undefined && epoch !== head.epoch) || sinceSeq > head.lastSeq) {
    return { kind: 'reset', notice: { type: 'history.reset', epoch: head.epoch, lastSeq: head.lastSeq } };
  }
  return { kind: 'replay', afterSeq: sinceSeq };
}
