interface SlackStep {
  requestId: string;
  run: () => Promise<void>;
}

/**
 * The Slack side of the due work (card redraws, thread notices, a card whose poster died) runs here,
 * apart from the steps that submit and poll, so a slow or rate-limited Slack never holds up CloudFront.
 * Notices and cards to post are recorded as due, so one lost with the process is made again from the
 * table; a redraw lost with it is made by the request's next step, which draws the card from its record.
 * Steps for one request go in the order they were added; at most `limit` requests' run at once.
 */
export class SlackLane {
  private readonly waiting: SlackStep[] = [];
  private readonly running = new Set<string>();
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly limit: number,
    private readonly onError: (error: unknown, requestId: string) => void,
  ) {}

  /** Whether a Slack step for this request is waiting or running here: the work loop leaves it alone. */
  holds(requestId: string): boolean {
    return this.running.has(requestId) || this.waiting.some((d) => d.requestId === requestId);
  }

  add(requestId: string, run: () => Promise<void>): void {
    this.waiting.push({ requestId, run });
    this.pump();
  }

  /** Resolves once nothing is waiting or running. */
  idle(): Promise<void> {
    if (this.running.size === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running.size < this.limit) {
      const index = this.waiting.findIndex((d) => !this.running.has(d.requestId));
      if (index === -1) return;
      const [next] = this.waiting.splice(index, 1);
      if (!next) return;
      this.running.add(next.requestId);
      Promise.resolve()
        .then(next.run)
        .catch((error: unknown) => this.onError(error, next.requestId))
        .finally(() => {
          this.running.delete(next.requestId);
          this.pump();
          if (this.running.size === 0 && this.waiting.length === 0) {
            for (const resolve of this.idleWaiters.splice(0)) resolve();
          }
        });
    }
  }
}
