// The timeline rows of a calibration (docs/fidelity.md#expected-error): per event, how long it took to be done (a new
// replica ready, a restart complete) and the seconds until the per-second max/mean was back under the scenario's
// convergence threshold (scripts/runner/convergence.ts).
//
// Expected error of convergence: the measurement's resolution. Convergence is read at the start of the first 1 s
// bucket that is balanced for two buckets in a row, counted from the moment the event was done, so each target's
// figure is quantised by one bucket and the difference by two. "never" has to match "never". The time an event takes
// is shown, not judged: in the simulator it is a scenario parameter (topology.controlPlane.readinessDelay), on the
// real components it is measured; docs/fidelity.md says what a difference does to the answers.
import type { ModeResult } from '../runner/results.ts';
import { exactRow, infoRow, numericRow, type CalibrationRow } from './calibrationRow.ts';

export function eventRows(scenario: string, simulated: ModeResult, real: ModeResult): CalibrationRow[] {
  const base = { scenario, mode: simulated.mode };
  const rows: CalibrationRow[] = [];
  for (const event of simulated.timeline.events) {
    const other = real.timeline.events.find((e) => e.name === event.name);
    const done = (e: typeof event | undefined) => (e ? (e.readyMs ?? e.appliedMs ?? NaN) / 1000 : NaN);
    rows.push(
      infoRow({ ...base, metric: `${event.name}: seconds until done`, basis: 'simulator: a scenario parameter; real: measured' }, done(event), done(other)),
    );
    const a = simulated.convergence.find((c) => c.event === event.name)?.seconds;
    const b = real.convergence.find((c) => c.event === event.name)?.seconds;
    const metric = `${event.name}: seconds until balanced`;
    if (a === undefined || b === undefined) continue;
    if (a === 'never' || b === 'never') {
      rows.push(exactRow({ ...base, metric, basis: '"never" must match "never"' }, a, b));
      continue;
    }
    const resolution = (2 * simulated.timeline.bucketMs) / 1000;
    rows.push(numericRow({ ...base, metric, basis: 'one 1 s bucket of resolution per target' }, a, b, resolution));
  }
  return rows;
}
