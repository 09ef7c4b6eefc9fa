// Request conservation (docs/measurement.md#conservation): every request a client got an apiserver answer for (a
// response carrying Audit-Id) was counted by exactly one replica's apiserver_request_total. Requests whose fate the
// clients cannot know (aborted at the end, or a connection that broke after sending) are "in doubt": each may or may
// not have been counted, so they widen the tolerance by exactly their number and no more.
import type { Conservation } from './results.ts';

export function conservationOf(clientAnswered: number, replicaCounted: number, inDoubt: number, warmUpAnswered = 0): Conservation {
  const ok = inDoubt === 0 ? clientAnswered === replicaCounted : replicaCounted >= clientAnswered && replicaCounted - clientAnswered <= inDoubt;
  return { clientAnswered, replicaCounted, inDoubt, warmUpAnswered, ok };
}
