// The work estimator of v1.32 (request/width.go, list_work_estimator.go, mutating_work_estimator.go): literal
// seats for list sizes, list sources, watches, mutations with watchers, and the per-level maximum.
import { describe, expect, it } from 'vitest';
import { estimateWork, shouldListFromStorage, DEFAULT_WORK_ESTIMATOR_CONFIG, type RequestDigest, type WorkInputs } from '../../../sim/apiserver/apf/index.ts';
import { saDigest } from './helpers.ts';

const list = saDigest('a', 'b', 'list', 'pods');
const est = (digest: RequestDigest, inputs: WorkInputs, levelMaxSeats = 0) => estimateWork(digest, inputs, levelMaxSeats);
const seatsOf = (digest: RequestDigest, inputs: WorkInputs, levelMaxSeats = 0) => est(digest, inputs, levelMaxSeats).initialSeats;

describe('list work', () => {
  it('takes one seat per 100 objects served from the watch cache, between 1 and 10', () => {
    expect(seatsOf(list, { objectCount: 0 })).toBe(1);
    expect(seatsOf(list, { objectCount: 100 })).toBe(1);
    expect(seatsOf(list, { objectCount: 101 })).toBe(2);
    expect(seatsOf(list, { objectCount: 450 })).toBe(5);
    expect(seatsOf(list, { objectCount: 5000 })).toBe(10);
    // limit does not matter for the cache (it walks everything)
    expect(seatsOf(list, { objectCount: 450, listOptions: { limit: 50 } })).toBe(5);
  });

  it('counts what etcd reads for lists served from storage', () => {
    // continuation: from etcd; 2 x limit without selectors, stored + limit with one
    expect(seatsOf(list, { objectCount: 1000, listOptions: { limit: 200, continue: 'tok' } })).toBe(4);
    expect(seatsOf(list, { objectCount: 1000, listOptions: { limit: 200, continue: 'tok', labelSelector: 'app=x' } })).toBe(10);
    expect(seatsOf(list, { objectCount: 300, listOptions: { limit: 100, continue: 'tok', fieldSelector: 'status.phase=Running' } })).toBe(4);
    // a legacy exact RV with a limit is served from etcd
    expect(seatsOf(list, { objectCount: 1000, listOptions: { limit: 150, resourceVersion: '12345' } })).toBe(3);
    expect(shouldListFromStorage({ resourceVersion: '12345', resourceVersionMatch: 'Exact' }, DEFAULT_WORK_ESTIMATOR_CONFIG)).toBe(true);
    expect(shouldListFromStorage({ resourceVersion: '0' }, DEFAULT_WORK_ESTIMATOR_CONFIG)).toBe(false);
    // without ConsistentListFromCache an RV="" list is a quorum read from etcd: 2 x stored
    expect(estimateWork(list, { objectCount: 300 }, 0, { ...DEFAULT_WORK_ESTIMATOR_CONFIG, consistentListFromCache: false }).initialSeats).toBe(6);
  });

  it('handles names, unknown and stale counts, and the level maximum', () => {
    expect(seatsOf(saDigest('a', 'b', 'list', 'pods', { name: 'one' }), { objectCount: 10_000 })).toBe(1);
    expect(seatsOf(list, {})).toBe(1);
    expect(seatsOf(list, { objectCount: 'stale' })).toBe(10);
    expect(seatsOf(list, { objectCount: 'stale' }, 4)).toBe(4);
    expect(seatsOf(list, { objectCount: 5000 }, 4)).toBe(4); // leader-election's maxSeats
    expect(seatsOf(list, { objectCount: 5000 }, 37)).toBe(10); // workload-low's 37 is above the global 10
  });
});

describe('watch work', () => {
  it('costs one seat unless it asks for initial events, then like a list from the cache', () => {
    const watch = saDigest('a', 'b', 'watch', 'pods');
    expect(seatsOf(watch, { objectCount: 900 })).toBe(1);
    expect(seatsOf(watch, { objectCount: 900, listOptions: { sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan' } })).toBe(9);
    expect(
      estimateWork(watch, { objectCount: 900, listOptions: { sendInitialEvents: true } }, 0, { ...DEFAULT_WORK_ESTIMATOR_CONFIG, watchList: false })
        .initialSeats,
    ).toBe(1);
  });
});

describe('mutating work', () => {
  const create = saDigest('a', 'b', 'create', 'pods');
  it('adds final seats for 10 or more watchers: ceil(watchers/10) seats for 5 ms, reshaped under the maximum', () => {
    expect(est(create, { watchCount: 9 })).toEqual({ initialSeats: 1, finalSeats: 0, additionalLatencyMs: 0 });
    expect(est(create, { watchCount: 10 })).toEqual({ initialSeats: 1, finalSeats: 1, additionalLatencyMs: 5 });
    expect(est(create, { watchCount: 25 })).toEqual({ initialSeats: 1, finalSeats: 3, additionalLatencyMs: 5 });
    // 200 watchers: 20 seats x 5 ms = 0.1 seat-seconds, reshaped to 10 seats x 10 ms
    expect(est(create, { watchCount: 200 })).toEqual({ initialSeats: 1, finalSeats: 10, additionalLatencyMs: 10 });
    // level maximum 4: 20 x 5 ms -> 4 seats x 25 ms
    expect(est(create, { watchCount: 200 }, 4)).toEqual({ initialSeats: 1, finalSeats: 4, additionalLatencyMs: 25 });
  });

  it('exempts service account token creation and leaves other verbs at one seat', () => {
    expect(est(saDigest('a', 'b', 'create', 'serviceaccounts', { subresource: 'token', name: 'x' }), { watchCount: 500 })).toEqual({
      initialSeats: 1,
      finalSeats: 0,
      additionalLatencyMs: 0,
    });
    expect(est(saDigest('a', 'b', 'deletecollection', 'pods'), { watchCount: 500 })).toEqual({ initialSeats: 1, finalSeats: 0, additionalLatencyMs: 0 });
    expect(est(saDigest('a', 'b', 'get', 'pods', { name: 'x' }), { objectCount: 5000 })).toEqual({ initialSeats: 1, finalSeats: 0, additionalLatencyMs: 0 });
  });
});
