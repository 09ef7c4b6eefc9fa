// A scenario's times on a slower target (docs/scenarios.md#time-scale): the simulator brings a replica up in
// milliseconds, a real cluster in 10 to 30 seconds, so a target may run every time of a scenario `factor` times
// longer. Scaled: the load phase (`duration`, `gate.duration`), its request budget (`maxRequests`, so the bound keeps
// its meaning per second), and each event's `at`, `downFor` and `pause`. Not scaled: what the simulator models as
// service times and readiness delays (a real cluster has its own), thresholds, and expectations (convergence is
// measured from the moment an event is done, in seconds of the run). Unnamed events keep the name their scenario
// time gives them (`restart-apiserver@3s`), so expectations and results name the same event on every target.
import { eventName, type TimelineEvent } from './events.ts';
import type { Scenario } from './schema.ts';

/** The largest `maxRequests` a scenario may set (schema.ts). */
const MAX_REQUESTS_LIMIT = 10_000_000;

export function scaleScenarioTime(scenario: Scenario, factor: number): Scenario {
  if (!Number.isFinite(factor) || factor <= 0) throw new Error(`time scale must be a positive number, got ${factor}`);
  if (factor === 1) return scenario;
  const ms = (value: number) => Math.round(value * factor);
  return {
    ...scenario,
    duration: ms(scenario.duration),
    maxRequests: Math.min(MAX_REQUESTS_LIMIT, Math.ceil(scenario.maxRequests * factor)),
    gate: { ...scenario.gate, ...(scenario.gate.duration !== undefined ? { duration: ms(scenario.gate.duration) } : {}) },
    events: scenario.events.map((event) => scaleEvent(event, ms)),
  };
}

function scaleEvent(event: TimelineEvent, ms: (value: number) => number): TimelineEvent {
  const scaled = { ...event, name: eventName(event), at: ms(event.at) } as TimelineEvent;
  if (scaled.type === 'kill-apiserver') scaled.downFor = ms(scaled.downFor);
  if (scaled.type === 'rolling-restart') scaled.pause = ms(scaled.pause);
  return scaled;
}
