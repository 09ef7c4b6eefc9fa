// Time integration of a piecewise-constant variable (k8s.io/apiserver pkg/util/flowcontrol/fairqueuing/
// integrator.go, kubernetes-1.32.13): the integrals of 1, x and x^2 over time plus min and max, from which the
// time-weighted average and standard deviation follow. Each priority level integrates its seat demand (seats in
// use + seats waiting); the borrowing adjustment reads and resets it every 10 s.
import type { ApfClock } from './clock.ts';

export interface IntegratorResults {
  /** Seconds integrated. */
  duration: number;
  /** Time-weighted average; NaN when duration is 0. */
  average: number;
  /** Time-weighted standard deviation; NaN when duration is 0 or rounding made the variance negative. */
  deviation: number;
  min: number;
  max: number;
}

export class Integrator {
  private lastTime: number;
  private x = 0;
  private elapsedSeconds = 0;
  private integralX = 0;
  private integralXX = 0;
  private min = 0;
  private max = 0;

  constructor(private readonly clock: ApfClock) {
    this.lastTime = clock.now();
  }

  get value(): number {
    return this.x;
  }

  set(x: number): void {
    this.update();
    this.x = x;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
  }

  add(deltaX: number): void {
    this.set(this.x + deltaX);
  }

  getResults(): IntegratorResults {
    this.update();
    const { average, deviation } = this.avgAndStdDev();
    return { duration: this.elapsedSeconds, average, deviation, min: this.min, max: this.max };
  }

  /** Returns the results of integrating up to now and starts a new integration from now. */
  reset(): IntegratorResults {
    const results = this.getResults();
    this.elapsedSeconds = 0;
    this.integralX = 0;
    this.integralXX = 0;
    this.min = this.x;
    this.max = this.x;
    return results;
  }

  private update(): void {
    const now = this.clock.now();
    const dt = (now - this.lastTime) / 1000;
    this.lastTime = now;
    this.elapsedSeconds += dt;
    this.integralX += this.x * dt;
    this.integralXX += this.x * this.x * dt;
  }

  private avgAndStdDev(): { average: number; deviation: number } {
    if (this.elapsedSeconds <= 0) return { average: NaN, deviation: NaN };
    const average = this.integralX / this.elapsedSeconds;
    const variance = this.integralXX / this.elapsedSeconds - average * average;
    return { average, deviation: variance >= 0 ? Math.sqrt(variance) : NaN };
  }
}
