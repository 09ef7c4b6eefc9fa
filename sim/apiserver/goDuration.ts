// Go's time.ParseDuration, which kube-apiserver uses for a request's `?timeout=` (k8s.io/apiserver pkg/endpoints/
// filters/request_deadline.go parseTimeout): a possibly signed sequence of decimal numbers, each with an optional
// fraction and a unit suffix (ns, us, µs, μs, ms, s, m, h), such as "300ms", "-1.5h" or "2h45m"; "0" needs no unit.
// Returns milliseconds, or undefined when Go would return an error.

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;

export function parseGoDurationMs(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  while (rest !== '') {
    const m = PART.exec(rest);
    // Go needs digits before or after the dot, and a unit after every number.
    if (!m || (m[1] === '' && (m[2] ?? '') === '')) return undefined;
    const value = Number(`${m[1] || '0'}.${m[2] || '0'}`);
    total += value * UNIT_MS[m[3]!]!;
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}
