// The fair-queuing QueueSet of one priority level (k8s.io/apiserver pkg/util/flowcontrol/fairqueuing/queueset/
// queueset.go, types.go, fifo_list.go, doc.go; kubernetes-1.32.13).
//
// Virtual time R (seat-seconds per queue) advances at min(seats requested, concurrency limit) / (active queues) per
// second, where seats requested = seats in use + max seats of the waiting requests, summed over queues, and a queue
// is active while it has waiting or executing requests. A request's work is
// initialSeats x G + finalSeats x additionalLatency with G = 3 ms, the guessed service time.
// - Arrival: shuffle-shard the flow hash into a hand of queues and take the first (rotating the start by the enqueue
//   count) with the least waiting work; reject 'queue-full' if all seats are in use and that queue holds
//   queueLengthLimit requests; an idle queue's nextDispatchR starts at the current R.
// - Dispatch, while something waits and seats in use < limit: the queue, visited round-robin, whose oldest
//   request has the least nextDispatchR + work; it is dispatched only if its max(initial, final) seats fit
//   (seats in use + seats <= limit; a request wider than the limit only when nothing executes); final seats
//   beyond the limit are narrowed to the limit with the same final work; nextDispatchR += work.
// - Finish after actual service time S: nextDispatchR -= initialSeats x (G - S); the seats are released now, or
//   after additionalLatency when there are final seats (held seats stay max(initial, final) for both phases).
// - Anti-windup: a queue's nextDispatchR never lags its oldest waiting request's arrival R.
// - Exempt levels (no queues, no limit) and Reject levels (no queues) execute at once or, for Reject, are
//   rejected 'concurrency-limit' when the seats do not fit.
// A waiting request whose wait limit passes (or whose client goes away) is removed: upstream counts both as
// 'time-out'.
//
// Differences, all documented in docs/apf.md:
// - the waiting-seats total subtracts exactly what was added at enqueue; upstream subtracts the request's max seats
//   after dispatch narrowed its final seats, so its totSeatsWaiting can drift when finalSeats > limit;
// - R is a float-free integer JS number; the epoch advance (winding R back) uses thresholds of 2^51 / 2^51 + 2^50
//   units instead of upstream's MaxUint64/2 based ones;
// - no reconfiguration: the number of queues and their parameters are fixed for the QueueSet's lifetime (upstream
//   can grow and drain queues when a PriorityLevelConfiguration changes).
import type { ApfClock } from './clock.ts';
import { Dealer } from './shuffleSharding.ts';
import { durationPerSeatMs, seatsTimesDuration, seatSecondsToFloat } from './seatSeconds.ts';
import { maxSeatsOf, type WorkEstimate } from './types.ts';

/** G: the service-time guess charged at dispatch and corrected at finish. */
export const ESTIMATED_SERVICE_DURATION_MS = 3;
/** Upstream winds R back by MaxSeatSeconds/2 when it reaches 1.5x that; here by 2^51 at 2^51 + 2^50 units. */
export const R_DECREMENT = 2 ** 51;
export const HIGH_R = R_DECREMENT + R_DECREMENT / 2;

export type QueueSetKind = 'exempt' | 'reject' | 'queue';

export interface QueueSetConfig {
  name: string;
  kind: QueueSetKind;
  /** For 'queue' only. */
  queues?: number;
  handSize?: number;
  queueLengthLimit?: number;
}

export interface QueueSetObserver {
  /** current_inqueue_requests / current_inqueue_seats. */
  waiting?(fsName: string, requestsDelta: number, seatsDelta: number): void;
  /** request_queue_length_after_enqueue. */
  queueLengthAfterEnqueue?(fsName: string, length: number): void;
  /** current_executing_requests (initial phase). */
  executing?(fsName: string, delta: number): void;
  /** current_executing_seats (all phases). */
  seatsInUse?(fsName: string, delta: number): void;
  rejected?(fsName: string, reason: 'queue-full' | 'concurrency-limit' | 'time-out'): void;
  /** request_dispatch_no_accommodation_total. */
  noAccommodation?(fsName: string): void;
  /** The seat-demand integrator: seats in use + seats waiting. */
  seatDemand?(value: number): void;
  currentR?(r: number): void;
  dispatchR?(r: number, s: number, sMin: number, sMax: number, discountedSMin: number, discountedSMax: number): void;
  epochAdvance?(success: boolean): void;
}

export type RequestState = 'waiting' | 'executing' | 'lingering' | 'done' | 'removed';

export interface StartRequestArgs {
  work: WorkEstimate;
  hashValue: bigint;
  flowDistinguisher: string;
  fsName: string;
  /** Called synchronously when the request starts executing (possibly inside startRequest). */
  onDispatch?: (request: QueueSetRequest) => void;
}

interface CompletedWork extends WorkEstimate {
  /** initial + final work, seat-second units. */
  totalWork: number;
  finalWork: number;
}

export class QueueSetRequest {
  state: RequestState = 'waiting';
  startTime = 0;
  arrivalR: number;
  /** The max seats counted into the waiting total at enqueue. */
  waitingSeats = 0;
  /** The seats counted into seats in use at dispatch. */
  heldSeats = 0;
  prev: QueueSetRequest | undefined;
  next: QueueSetRequest | undefined;
  releaseTimer: unknown;

  constructor(
    readonly fsName: string,
    readonly flowDistinguisher: string,
    readonly work: CompletedWork,
    readonly arrivalTime: number,
    arrivalR: number,
    readonly queue: Queue | undefined,
    readonly onDispatch: ((request: QueueSetRequest) => void) | undefined,
  ) {
    this.arrivalR = arrivalR;
  }

  get maxSeats(): number {
    return maxSeatsOf(this.work);
  }
}

/** A FIFO with O(1) removal and running sums (fifo_list.go). */
class RequestFifo {
  head: QueueSetRequest | undefined;
  tail: QueueSetRequest | undefined;
  length = 0;
  initialSeatsSum = 0;
  maxSeatsSum = 0;
  totalWorkSum = 0;

  enqueue(r: QueueSetRequest): void {
    r.prev = this.tail;
    r.next = undefined;
    if (this.tail) this.tail.next = r;
    else this.head = r;
    this.tail = r;
    this.length++;
    this.initialSeatsSum += r.work.initialSeats;
    this.maxSeatsSum += r.maxSeats;
    this.totalWorkSum += r.work.totalWork;
  }

  remove(r: QueueSetRequest): void {
    if (r.prev) r.prev.next = r.next;
    else this.head = r.next;
    if (r.next) r.next.prev = r.prev;
    else this.tail = r.prev;
    r.prev = r.next = undefined;
    this.length--;
    this.initialSeatsSum -= r.work.initialSeats;
    this.maxSeatsSum -= r.maxSeats;
    this.totalWorkSum -= r.work.totalWork;
  }

  *[Symbol.iterator](): IterableIterator<QueueSetRequest> {
    for (let r = this.head; r; r = r.next) yield r;
  }
}

export class Queue {
  readonly waiting = new RequestFifo();
  readonly executing = new Set<QueueSetRequest>();
  nextDispatchR = 0;
  seatsInUse = 0;

  constructor(readonly index: number) {}
}

export interface QueueSetSnapshot {
  name: string;
  kind: QueueSetKind;
  concurrencyLimit: number;
  waiting: number;
  executing: number;
  seatsInUse: number;
  seatsWaiting: number;
  currentR: number;
  queues: Array<{ index: number; waiting: number; executing: number; seatsInUse: number; nextDispatchR: number }>;
}

export class QueueSet {
  private readonly queues: Queue[] = [];
  private readonly dealer: Dealer | undefined;
  private readonly queueLengthLimit: number;
  private concurrencyLimit = 0;
  private currentR = 0;
  private lastRealTime: number;
  private robinIndex = -1;
  private totRequestsWaiting = 0;
  private totRequestsExecuting = 0;
  private totSeatsInUse = 0;
  private totSeatsWaiting = 0;
  private enqueues = 0;
  private readonly requestsExecutingSet = new Set<QueueSetRequest>();
  private readonly lingering = new Set<QueueSetRequest>();

  constructor(
    readonly config: QueueSetConfig,
    private readonly clock: ApfClock,
    private readonly observer: QueueSetObserver = {},
  ) {
    this.lastRealTime = clock.now();
    if (config.kind === 'queue') {
      const n = config.queues ?? 64;
      this.dealer = Dealer.create(n, config.handSize ?? 8);
      for (let i = 0; i < n; i++) this.queues.push(new Queue(i));
      this.queueLengthLimit = config.queueLengthLimit ?? 50;
    } else {
      this.queueLengthLimit = 0;
    }
  }

  get name(): string {
    return this.config.name;
  }

  get limit(): number {
    return this.concurrencyLimit;
  }

  /** Complete(DispatchingConfig): a new current concurrency limit; dispatches what now fits. */
  setConcurrencyLimit(limit: number): void {
    this.syncTime();
    this.concurrencyLimit = limit;
    this.dispatchAsMuchAsPossible();
  }

  isIdle(): boolean {
    return this.totRequestsWaiting === 0 && this.totRequestsExecuting === 0;
  }

  /** StartRequest: returns the request (waiting or already executing), or the rejection reason. */
  startRequest(args: StartRequestArgs): QueueSetRequest | 'queue-full' | 'concurrency-limit' {
    this.syncTime();
    if (this.config.kind !== 'queue') {
      const work = this.completeWork(args.work);
      if (!this.canAccommodateSeats(maxSeatsOf(work))) {
        this.observer.rejected?.(args.fsName, 'concurrency-limit');
        return 'concurrency-limit';
      }
      return this.dispatchSansQueue(args, work);
    }
    const queue = this.queues[this.shuffleShard(args.hashValue)]!;
    const request = new QueueSetRequest(
      args.fsName,
      args.flowDistinguisher,
      this.completeWork(args.work),
      this.clock.now(),
      this.currentR,
      queue,
      args.onDispatch,
    );
    if (this.totSeatsInUse >= this.concurrencyLimit && queue.waiting.length >= this.queueLengthLimit) {
      this.boundNextDispatch(queue);
      this.observer.rejected?.(args.fsName, 'queue-full');
      return 'queue-full';
    }
    this.enqueue(request);
    this.boundNextDispatch(queue);
    this.observer.queueLengthAfterEnqueue?.(args.fsName, queue.waiting.length);
    this.dispatchAsMuchAsPossible();
    return request;
  }

  /**
   * The request's context was done while it waited (wait limit or client gone): take it out of its queue. Returns
   * false when it was not waiting any more (already dispatched), in which case nothing changes.
   */
  cancelWaiting(request: QueueSetRequest): boolean {
    if (request.state !== 'waiting') return false;
    this.syncTime();
    const queue = request.queue!;
    queue.waiting.remove(request);
    request.state = 'removed';
    this.totRequestsWaiting--;
    this.totSeatsWaiting -= request.waitingSeats;
    this.observer.rejected?.(request.fsName, 'time-out');
    this.observer.waiting?.(request.fsName, -1, -request.waitingSeats);
    this.observer.seatDemand?.(this.totSeatsInUse + this.totSeatsWaiting);
    this.boundNextDispatch(queue);
    return true;
  }

  /** The request finished executing (finishRequestAndDispatchAsMuchAsPossible). Idempotent. */
  finish(request: QueueSetRequest): void {
    if (request.state !== 'executing') return;
    this.syncTime();
    this.finishRequest(request);
    this.dispatchAsMuchAsPossible();
  }

  /** Cancels pending final-seat timers (their seats are then never released). */
  close(): void {
    for (const r of this.lingering) this.clock.clearTimeout(r.releaseTimer);
    this.lingering.clear();
  }

  snapshot(): QueueSetSnapshot {
    return {
      name: this.config.name,
      kind: this.config.kind,
      concurrencyLimit: this.concurrencyLimit,
      waiting: this.totRequestsWaiting,
      executing: this.totRequestsExecuting,
      seatsInUse: this.totSeatsInUse,
      seatsWaiting: this.totSeatsWaiting,
      currentR: seatSecondsToFloat(this.currentR),
      queues: this.queues.map((q) => ({
        index: q.index,
        waiting: q.waiting.length,
        executing: q.executing.size,
        seatsInUse: q.seatsInUse,
        nextDispatchR: seatSecondsToFloat(q.nextDispatchR),
      })),
    };
  }

  // ---- internals --------------------------------------------------------------------------------------------

  private completeWork(work: WorkEstimate): CompletedWork {
    const finalWork = seatsTimesDuration(work.finalSeats, work.additionalLatencyMs);
    return {
      initialSeats: work.initialSeats,
      finalSeats: work.finalSeats,
      additionalLatencyMs: work.additionalLatencyMs,
      totalWork: seatsTimesDuration(work.initialSeats, ESTIMATED_SERVICE_DURATION_MS) + finalWork,
      finalWork,
    };
  }

  /** syncTimeLocked: advance R for the time since the last change, assuming the state held since then. */
  private syncTime(): void {
    const now = this.clock.now();
    const elapsed = now - this.lastRealTime;
    this.lastRealTime = now;
    this.currentR += seatsTimesDuration(this.virtualTimeRatio(), elapsed);
    if (this.currentR >= HIGH_R) this.advanceEpoch();
    this.observer.currentR?.(seatSecondsToFloat(this.currentR));
  }

  private advanceEpoch(): void {
    this.currentR -= R_DECREMENT;
    for (const queue of this.queues) {
      if (queue.waiting.length === 0 && queue.executing.size === 0) {
        queue.nextDispatchR = 0;
        continue;
      }
      queue.nextDispatchR -= R_DECREMENT;
      for (const r of queue.waiting) r.arrivalR -= R_DECREMENT;
    }
    this.observer.epochAdvance?.(true);
  }

  private virtualTimeRatio(): number {
    let activeQueues = 0;
    let seatsRequested = 0;
    for (const queue of this.queues) {
      seatsRequested += queue.seatsInUse + queue.waiting.maxSeatsSum;
      if (queue.waiting.length > 0 || queue.executing.size > 0) activeQueues++;
    }
    if (activeQueues === 0) return 0;
    return Math.min(seatsRequested, this.concurrencyLimit) / activeQueues;
  }

  private shuffleShard(hashValue: bigint): number {
    const hand = this.dealer!.dealIntoHand(hashValue);
    const handSize = hand.length;
    const offset = this.enqueues % handSize;
    this.enqueues++;
    let best = -1;
    let minWork = Infinity;
    for (let i = 0; i < handSize; i++) {
      const queueIdx = hand[(offset + i) % handSize]!;
      const work = this.queues[queueIdx]!.waiting.totalWorkSum;
      if (work < minWork) {
        minWork = work;
        best = queueIdx;
      }
    }
    return best;
  }

  private enqueue(request: QueueSetRequest): void {
    const queue = request.queue!;
    if (queue.waiting.length === 0 && queue.executing.size === 0) queue.nextDispatchR = this.currentR;
    queue.waiting.enqueue(request);
    request.waitingSeats = request.maxSeats;
    this.totRequestsWaiting++;
    this.totSeatsWaiting += request.waitingSeats;
    this.observer.waiting?.(request.fsName, 1, request.waitingSeats);
    this.observer.seatDemand?.(this.totSeatsInUse + this.totSeatsWaiting);
  }

  private dispatchAsMuchAsPossible(): void {
    while (this.totRequestsWaiting !== 0 && this.totSeatsInUse < this.concurrencyLimit && this.dispatchOne()) {
      // keep dispatching
    }
  }

  private dispatchSansQueue(args: StartRequestArgs, work: CompletedWork): QueueSetRequest {
    const now = this.clock.now();
    const request = new QueueSetRequest(args.fsName, args.flowDistinguisher, work, now, this.currentR, undefined, args.onDispatch);
    request.state = 'executing';
    request.startTime = now;
    request.heldSeats = request.maxSeats;
    this.totRequestsExecuting++;
    this.totSeatsInUse += request.heldSeats;
    this.requestsExecutingSet.add(request);
    this.observer.executing?.(request.fsName, 1);
    this.observer.seatsInUse?.(request.fsName, request.heldSeats);
    this.observer.seatDemand?.(this.totSeatsInUse + this.totSeatsWaiting);
    request.onDispatch?.(request);
    return request;
  }

  /** dispatchLocked. */
  private dispatchOne(): boolean {
    const found = this.findDispatchQueue();
    if (!found) return false;
    const { queue, request } = found;
    this.totRequestsWaiting--;
    this.totSeatsWaiting -= request.waitingSeats;
    this.observer.waiting?.(request.fsName, -1, -request.waitingSeats);
    request.state = 'executing';
    request.startTime = this.clock.now();
    request.heldSeats = request.maxSeats;
    this.totRequestsExecuting++;
    this.totSeatsInUse += request.heldSeats;
    queue.executing.add(request);
    queue.seatsInUse += request.heldSeats;
    this.observer.executing?.(request.fsName, 1);
    this.observer.seatsInUse?.(request.fsName, request.heldSeats);
    this.observer.seatDemand?.(this.totSeatsInUse + this.totSeatsWaiting);
    queue.nextDispatchR += request.work.totalWork;
    this.boundNextDispatch(queue);
    request.onDispatch?.(request);
    return true;
  }

  /** canAccommodateSeatsLocked. */
  private canAccommodateSeats(seats: number): boolean {
    if (this.config.kind === 'exempt') return true;
    if (seats > this.concurrencyLimit) return this.totRequestsExecuting === 0;
    return this.totSeatsInUse + seats <= this.concurrencyLimit;
  }

  /** findDispatchQueueToBoundLocked. */
  private findDispatchQueue(): { queue: Queue; request: QueueSetRequest } | undefined {
    let minVirtualFinish = Infinity;
    let sMin = Infinity;
    let dsMin = Infinity;
    let sMax = -Infinity;
    let dsMax = -Infinity;
    let minQueue: Queue | undefined;
    let minIndex = 0;
    const nq = this.queues.length;
    for (let k = 0; k < nq; k++) {
      this.robinIndex = (this.robinIndex + 1) % nq;
      const queue = this.queues[this.robinIndex]!;
      const oldest = queue.waiting.head;
      if (!oldest) continue;
      sMin = Math.min(sMin, queue.nextDispatchR);
      sMax = Math.max(sMax, queue.nextDispatchR);
      const workInProgress = seatsTimesDuration(queue.seatsInUse, ESTIMATED_SERVICE_DURATION_MS);
      dsMin = Math.min(dsMin, queue.nextDispatchR - workInProgress);
      dsMax = Math.max(dsMax, queue.nextDispatchR - workInProgress);
      const virtualFinish = queue.nextDispatchR + oldest.work.totalWork;
      if (virtualFinish < minVirtualFinish) {
        minVirtualFinish = virtualFinish;
        minQueue = queue;
        minIndex = this.robinIndex;
      }
    }
    const request = minQueue?.waiting.head;
    if (!minQueue || !request) return undefined;
    if (!this.canAccommodateSeats(request.maxSeats)) {
      this.observer.noAccommodation?.(request.fsName);
      return undefined;
    }
    minQueue.waiting.remove(request);
    // Final seats wider than the limit are narrowed to it, keeping the final work.
    if (request.work.finalSeats > this.concurrencyLimit) {
      const finalSeats = this.concurrencyLimit;
      request.work.additionalLatencyMs = durationPerSeatMs(request.work.finalWork, finalSeats);
      request.work.finalSeats = finalSeats;
    }
    this.robinIndex = minIndex;
    this.observer.dispatchR?.(
      seatSecondsToFloat(this.currentR),
      seatSecondsToFloat(minQueue.nextDispatchR),
      seatSecondsToFloat(sMin),
      seatSecondsToFloat(sMax),
      seatSecondsToFloat(dsMin),
      seatSecondsToFloat(dsMax),
    );
    return { queue: minQueue, request };
  }

  /** finishRequestLocked. */
  private finishRequest(r: QueueSetRequest): void {
    const now = this.clock.now();
    this.totRequestsExecuting--;
    this.observer.executing?.(r.fsName, -1);
    const actualServiceDurationMs = now - r.startTime;
    if (r.queue) {
      r.queue.executing.delete(r);
      r.queue.nextDispatchR -= seatsTimesDuration(r.work.initialSeats, ESTIMATED_SERVICE_DURATION_MS - actualServiceDurationMs);
      this.boundNextDispatch(r.queue);
    } else {
      this.requestsExecutingSet.delete(r);
    }
    if (r.work.additionalLatencyMs <= 0) {
      this.releaseSeats(r);
      return;
    }
    r.state = 'lingering';
    this.lingering.add(r);
    r.releaseTimer = this.clock.setTimeout(() => {
      this.lingering.delete(r);
      this.syncTime();
      this.releaseSeats(r);
      this.dispatchAsMuchAsPossible();
    }, r.work.additionalLatencyMs);
  }

  private releaseSeats(r: QueueSetRequest): void {
    r.state = 'done';
    this.totSeatsInUse -= r.heldSeats;
    this.observer.seatsInUse?.(r.fsName, -r.heldSeats);
    this.observer.seatDemand?.(this.totSeatsInUse + this.totSeatsWaiting);
    if (r.queue) r.queue.seatsInUse -= r.heldSeats;
  }

  /** boundNextDispatchLocked, the anti-windup hack. */
  private boundNextDispatch(queue: Queue): void {
    const oldest = queue.waiting.head;
    if (!oldest) return;
    if (queue.nextDispatchR < oldest.arrivalR) queue.nextDispatchR = oldest.arrivalR;
  }
}
