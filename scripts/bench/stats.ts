// Small statistics for repeated bench runs: the median (what the bench reports, robust against one run that a busy
// moment of the shared machine slowed down) and the spread of the runs.

export function median(values: number[]): number {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const mid = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

export function spread(values: number[]): { min: number; max: number } {
  const finite = values.filter(Number.isFinite);
  return { min: Math.min(...finite), max: Math.max(...finite) };
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
