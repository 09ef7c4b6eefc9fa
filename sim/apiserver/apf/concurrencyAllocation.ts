// The fair allocation problem solved at every borrowing adjustment (k8s.io/apiserver pkg/util/flowcontrol/
// conc_alloc.go, computeConcurrencyAllocation, kubernetes-1.32.13): find allocs summing to requiredSum and one
// fairProp such that every class gets fairProp x target clamped into [lowerBound, upperBound]. Solved like upstream:
// sort all bounds relative to their targets and raise fairProp through them until the sum is reached.

export interface AllocProblemItem {
  target: number;
  lowerBound: number;
  upperBound: number;
}

export interface AllocResult {
  allocs: number[];
  fairProp: number;
}

/** A target below this is treated as this, to avoid dividing by zero. */
export const MIN_TARGET = 0.001;
const EPSILON = 0.0000001;
const MAX_FLOAT32 = 3.4028234663852886e38;

/** Throws (like upstream returns an error) when the problem has no solution. */
export function computeConcurrencyAllocation(requiredSum: number, classes: readonly AllocProblemItem[]): AllocResult {
  if (requiredSum < 0) throw new RangeError('negative sums are not supported');
  let lowSum = 0;
  let highSum = 0;
  let targetSum = 0;
  // Go's minMax starts at {min: MaxFloat32, max: 0 (the zero value)}.
  let ubMin = MAX_FLOAT32;
  let ubMax = 0;
  let lbMin = MAX_FLOAT32;
  let lbMax = 0;
  const relative = classes.map((item, idx) => {
    let target = item.target;
    if (item.lowerBound < 0) throw new RangeError(`lower bound ${idx} is ${item.lowerBound} but negative lower bounds are not allowed`);
    if (target < item.lowerBound) throw new RangeError(`target ${idx} is ${target}, which is below its lower bound of ${item.lowerBound}`);
    if (item.upperBound < item.lowerBound) {
      throw new RangeError(`upper bound ${idx} is ${item.upperBound} but should not be less than the lower bound ${item.lowerBound}`);
    }
    if (target < MIN_TARGET) target = MIN_TARGET;
    lowSum += item.lowerBound;
    highSum += item.upperBound;
    targetSum += target;
    const rel = { target, relativeLowerBound: item.lowerBound / target, relativeUpperBound: item.upperBound / target };
    ubMin = Math.min(ubMin, rel.relativeUpperBound);
    ubMax = Math.max(ubMax, rel.relativeUpperBound);
    lbMin = Math.min(lbMin, rel.relativeLowerBound);
    lbMax = Math.max(lbMax, rel.relativeLowerBound);
    return rel;
  });
  if (lbMax > 1) throw new RangeError(`lbRange.max-1=${lbMax - 1}, which is impossible because lbRange.max can not be greater than 1`);
  if (lowSum - requiredSum > EPSILON) throw new RangeError(`lower bounds sum to ${lowSum}, which is higher than the required sum of ${requiredSum}`);
  if (requiredSum - highSum > EPSILON) throw new RangeError(`upper bounds sum to ${highSum}, which is lower than the required sum of ${requiredSum}`);
  const allocs = new Array<number>(classes.length).fill(0);
  if (requiredSum === 0) return { allocs, fairProp: 0 };
  if (lowSum - requiredSum > -EPSILON) {
    // no wiggle room, constrained from below
    return { allocs: classes.map((c) => c.lowerBound), fairProp: lbMin };
  }
  if (requiredSum - highSum > -EPSILON) {
    // no wiggle room, constrained from above
    return { allocs: classes.map((c) => c.upperBound), fairProp: ubMax };
  }
  let fairProp = requiredSum / targetSum;
  if (lbMax <= fairProp && fairProp <= ubMin) {
    // no bounds matter
    return { allocs: relative.map((r) => r.target * fairProp), fairProp };
  }
  // Some bounds matter: consider bounds in increasing relative order. Index 2n is items[n]'s lower bound, 2n+1 its upper.
  const bound = (packed: number): number => {
    const r = relative[packed >> 1]!;
    return packed % 2 === 0 ? r.relativeLowerBound : r.relativeUpperBound;
  };
  const ascending = Array.from({ length: relative.length * 2 }, (_, i) => i).sort((a, b) => bound(a) - bound(b));
  let sumSoFar = lowSum;
  fairProp = lbMin;
  let sensitiveTargetSum = 0;
  let deltaSensitiveTargetSum = 0;
  let numSensitiveClasses = 0;
  let deltaSensitiveClasses = 0;
  let nextIdx = 0;
  while (sumSoFar < requiredSum) {
    let nextBound: number;
    for (;;) {
      sensitiveTargetSum += deltaSensitiveTargetSum;
      numSensitiveClasses += deltaSensitiveClasses;
      if (nextIdx >= ascending.length) throw new RangeError('impossible: ran out of bounds to consider in bound-constrained problem');
      const packed = ascending[nextIdx]!;
      nextBound = bound(packed);
      const itemTarget = relative[packed >> 1]!.target;
      if (packed % 2 === 0) {
        deltaSensitiveClasses = 1;
        deltaSensitiveTargetSum = itemTarget;
      } else {
        deltaSensitiveClasses = -1;
        deltaSensitiveTargetSum = -itemTarget;
      }
      nextIdx++;
      if (nextBound > fairProp) break;
    }
    if (numSensitiveClasses === 0) {
      fairProp = nextBound;
      continue;
    }
    const nextProp = fairProp + (requiredSum - sumSoFar) / sensitiveTargetSum;
    if (nextProp <= nextBound) {
      fairProp = nextProp;
      break;
    }
    sumSoFar += (nextBound - fairProp) * sensitiveTargetSum;
    fairProp = nextBound;
  }
  return {
    allocs: classes.map((c, idx) => Math.max(c.lowerBound, Math.min(c.upperBound, fairProp * relative[idx]!.target))),
    fairProp,
  };
}
