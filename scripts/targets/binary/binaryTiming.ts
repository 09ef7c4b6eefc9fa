// How long this machine's real components take for each kind of timeline work (docs/binary-target.md#time-scale), and
// the time scale a scenario needs on the binary target. The figures are upper values measured on the 2-core machine
// with the load of a scenario running (2026-12-06): a new kube-apiserver was ready 7-12 s after its start (etcd,
// post-start hooks, /readyz), a graceful one took 20-22 s to go (the kind flags' --shutdown-delay-duration=15s,
// Gardener's, then GOAWAY and the drain), so a restart in place 33-37 s (rolling-restart: 104 s for three), an Envoy gateway pod 2 s to be ready and pilot-agent's 5 s terminationDrainDuration to
// go, one to six client pods 5-6.5 s from the create call through the webhook to a served /healthz and warm-up.
// scripts/targets/eventTiming.ts lays the timeline out with them; chooseTimeScale picks the smallest scale that keeps it.
import { scaleScenarioTime } from '../../../scenarios/timeScale.ts';
import type { Scenario } from '../../../scenarios/schema.ts';
import { timingProblems, type EventSeconds, type TimingModel } from '../eventTiming.ts';

export const BINARY_SECONDS: EventSeconds = {
  apiserverReady: 12,
  apiserverGone: 22,
  gatewayReady: 4,
  gatewayGone: 7,
  clientPods: 8,
  webhookReady: 5,
  webhookGone: 3,
  objectChange: 1,
  clientControl: 1,
  measureAfter: 3,
};

export const BINARY_TIMING: TimingModel = { seconds: BINARY_SECONDS, where: "on this machine's real components", restartInPlace: true };

/** The largest time scale the binary target chooses on its own (--time-scale goes up to the same). */
export const MAX_BINARY_TIME_SCALE = 100;

/**
 * The smallest whole time scale at which the real components can keep the scenario's timeline: 1 for a scenario
 * without events; undefined when not even MAX_BINARY_TIME_SCALE is enough.
 */
export function chooseTimeScale(scenario: Scenario): number | undefined {
  for (let scale = 1; scale <= MAX_BINARY_TIME_SCALE; scale++) {
    if (timingProblems(scaleScenarioTime(scenario, scale), scale, BINARY_TIMING).length === 0) return scale;
  }
  return undefined;
}
