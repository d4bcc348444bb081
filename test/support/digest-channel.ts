import type { DigestFigures } from '../../src/core/digest.js';
import type { DigestChannel } from '../../src/usecases/ports.js';

/** The channel as a list of posts; `hold` keeps the next post waiting until `release` is called. */
export class ChannelStandIn implements DigestChannel {
  readonly posts: Array<{ channel: string; figures: DigestFigures }> = [];
  private held?: Promise<void>;
  release = () => {};

  hold(): void {
    this.held = new Promise((resolve) => {
      this.release = resolve;
    });
  }

  async post(channel: string, figures: DigestFigures): Promise<void> {
    const held = this.held;
    this.held = undefined;
    await held;
    this.posts.push({ channel, figures });
  }

  async find(channel: string, periodKey: string): Promise<boolean> {
    return this.posts.some((post) => post.channel === channel && post.figures.period.key === periodKey);
  }

  keys(): string[] {
    return this.posts.map((post) => post.figures.period.key);
  }
}
