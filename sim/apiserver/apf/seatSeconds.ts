// Seat-seconds, the unit of work and of the fair-queuing virtual clock R (k8s.io/apiserver
// pkg/util/flowcontrol/request/seat_seconds.go): a fixed-point count of 1e-8 seat-seconds, produced from
// seats x duration with the same rounding upstream uses (round half away from zero of seats*ns/10).
//
// Simplification: upstream stores SeatSeconds in a uint64; here it is a JavaScript number holding an integer, exact
// up to 2^53 (9e7 seat-seconds). The queue set winds R back well before that (see queueSet.ts, epoch advance).

export const SS_SCALE = 1e8;

/** Go's math.Round: half away from zero (Math.round rounds -2.5 to -2). */
export function goRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** A duration in milliseconds as Go's time.Duration would hold it: whole nanoseconds. */
function toNanoseconds(durationMs: number): number {
  return goRound(durationMs * 1e6);
}

/** SeatsTimesDuration: seats x duration, in 1e-8 seat-second units (negative durations give negative work). */
export function seatsTimesDuration(seats: number, durationMs: number): number {
  return goRound((seats * toNanoseconds(durationMs)) / (1e9 / SS_SCALE));
}

/** DurationPerSeat: the duration (ms, whole ns) that `seats` seats need to do `work`; Go truncates the float. */
export function durationPerSeatMs(work: number, seats: number): number {
  return Math.trunc((work / seats) * (1e9 / SS_SCALE)) / 1e6;
}

export function seatSecondsToFloat(work: number): number {
  return work / SS_SCALE;
}
