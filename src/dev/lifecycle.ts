/**
 * One stack for the dev worker's long-lived parts, in the order they start.
 * Closing runs in two passes, newest part first: every `stop` (take no new
 * work: intake, the schedule, new batches; start the handlers' grace period),
 * then every `close` (let what runs settle, write its results, release). The
 * same stack serves a start that fails halfway and a shutdown, so the two
 * cannot tear down in different orders.
 */
export interface Part {
  /** Take no new work. Quick; must not wait for running work. */
  stop?(): void;
  /** Finish: wait for running work to settle, flush, release. */
  close?(): Promise<unknown> | void;
}

export class Lifecycle {
  private readonly parts: Array<{ name: string } & Part> = [];
  private closing: Promise<void> | undefined;

  add(name: string, part: Part): void {
    if (this.closing) throw new Error(`the dev worker is stopping: cannot start ${name}`);
    this.parts.push({ name, ...part });
  }

  /** Stop and close every part, newest first; every part is closed even if one fails (the first failure is thrown). */
  close(): Promise<void> {
    return (this.closing ??= this.closeAll());
  }

  private async closeAll(): Promise<void> {
    const parts = [...this.parts].reverse();
    let failure: unknown;
    for (const part of parts) {
      try {
        part.stop?.();
      } catch (error) {
        failure ??= error;
      }
    }
    for (const part of parts) {
      try {
        await part.close?.();
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  }
}
