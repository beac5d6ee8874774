/**
 * Cleanup in reverse order of setup, each step bounded and isolated: one that fails or hangs is
 * logged and the rest still run, so an interrupt at any point leaves no process or directory.
 */
export interface TeardownStep {
  readonly name: string;
  readonly run: () => Promise<void> | void;
  /** Upper bound for this step (default 10 s). */
  readonly timeoutMs?: number;
}

export class Teardown {
  private readonly steps: TeardownStep[] = [];
  private running: Promise<string[]> | undefined;

  add(step: TeardownStep): void {
    this.steps.push(step);
  }

  /** Run (once) the steps not run yet, last added first; resolves with the failures' messages. */
  run(): Promise<string[]> {
    this.running ??= (async () => {
      const failures: string[] = [];
      for (let step = this.steps.pop(); step; step = this.steps.pop()) {
        const current = step;
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out')), current.timeoutMs ?? 10_000);
        });
        try {
          await Promise.race([Promise.resolve().then(current.run), timeout]);
        } catch (err) {
          failures.push(`${current.name}: ${err instanceof Error ? err.message : String(err)}`);
        } finally {
          clearTimeout(timer);
        }
      }
      return failures;
    })();
    return this.running;
  }

  /** Run one named step now (e.g. stop the workload before writing reports); later run() skips it. */
  async runStep(name: string): Promise<void> {
    const i = this.steps.findIndex((s) => s.name === name);
    if (i < 0) return;
    const [step] = this.steps.splice(i, 1);
    await step?.run();
  }
}
