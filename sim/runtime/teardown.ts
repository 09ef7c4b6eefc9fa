// Ordered clean-up: everything a run starts registers how to stop it; teardown runs in reverse order and keeps
// going past failures, so one broken component never leaves listeners, workers or processes behind.

export class Teardown {
  private readonly steps: { name: string; run: () => Promise<void> | void }[] = [];
  private readonly starting = new Set<Promise<unknown>>();
  private running: Promise<Error[]> | undefined;

  add(name: string, run: () => Promise<void> | void): void {
    this.steps.push({ name, run });
  }

  /** A start still under way (which will `add` its own step): teardown waits for it, so nothing starts after it. */
  waitFor(start: Promise<unknown>): void {
    this.starting.add(start);
    start.then(
      () => this.starting.delete(start),
      () => this.starting.delete(start),
    );
  }

  /** Runs every step once, newest first; returns the errors instead of throwing. */
  run(): Promise<Error[]> {
    this.running ??= (async () => {
      await Promise.allSettled([...this.starting]);
      const errors: Error[] = [];
      for (const step of this.steps.reverse()) {
        try {
          await step.run();
        } catch (error) {
          errors.push(new Error(`teardown of ${step.name} failed: ${(error as Error).message}`, { cause: error }));
        }
      }
      return errors;
    })();
    return this.running;
  }
}
