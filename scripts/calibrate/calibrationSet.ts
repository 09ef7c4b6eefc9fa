// The calibration set (docs/fidelity.md#the-calibration-set): the library scenarios `npm run calibrate` runs when it
// is given none. Each stands for a question users ask of the simulator, and each runs on the binary target: the hot
// client's pinning and its L7 fix (hot-client), goaway-chance's reshuffling and its cost in reconnects (goaway), how
// fast a new replica takes its share (scale-out, at time scale 3 because a real replica takes 3-9 s to become
// ready, docs/binary-target.md#time-scale), API Priority and Fairness under overload (overload), and a client with
// HTTP/2 disabled, whose keep-alive pool kube-proxy spreads connection by connection (http1-clients).

export interface CalibrationEntry {
  scenario: string;
  /** Every time of the scenario this many times longer, on both targets (scenarios/timeScale.ts). */
  timeScale: number;
  why: string;
}

export const CALIBRATION_SET: readonly CalibrationEntry[] = [
  { scenario: 'hot-client', timeScale: 1, why: 'L4 pinning of one heavy client and per-request L7 balancing' },
  { scenario: 'goaway', timeScale: 1, why: "goaway-chance's reshuffling, per-second imbalance and reconnects" },
  { scenario: 'scale-out', timeScale: 3, why: 'a new replica: idle under L4, its share under L7, and how fast' },
  { scenario: 'overload', timeScale: 1, why: 'API Priority and Fairness 429s on a pinned replica' },
  { scenario: 'http1-clients', timeScale: 1, why: 'an HTTP/1.1 keep-alive pool: each of its connections a kube-proxy choice' },
];

/** The entry for a scenario named on the command line (time scale 1 unless it is in the set). */
export function entryFor(name: string, timeScale?: number): CalibrationEntry {
  const known = CALIBRATION_SET.find((e) => e.scenario === name);
  return { scenario: name, timeScale: timeScale ?? known?.timeScale ?? 1, why: known?.why ?? 'named on the command line' };
}
