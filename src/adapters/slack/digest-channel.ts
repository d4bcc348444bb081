import type { webApi } from '@slack/bolt';
import type { DistributionConfig } from '../../config.js';
import type { DigestFigures } from '../../core/digest.js';
import type { DigestChannel } from '../../usecases/ports.js';
import { digestMessage } from './digest-blocks.js';

/**
 * A digest carries message metadata naming its period, so a run after a crash can tell from the channel
 * whether the post arrived. https://api.slack.com/metadata/using
 */
const DIGEST_EVENT = 'invalidator_digest';

type Metadata = { event_type?: string; event_payload?: Record<string, unknown> } | undefined;

/** The usage digest through the Slack Web API; posts go through `postClient`, which does not retry by itself. */
export class SlackDigestChannel implements DigestChannel {
  constructor(
    private readonly client: webApi.WebClient,
    private readonly postClient: webApi.WebClient,
    private readonly distributions: readonly DistributionConfig[],
  ) {}

  async post(channel: string, figures: DigestFigures): Promise<void> {
    await this.postClient.chat.postMessage({
      channel,
      ...digestMessage(figures, this.distributions),
      metadata: { event_type: DIGEST_EVENT, event_payload: { period: figures.period.key } },
    });
  }

  // https://api.slack.com/methods/conversations.history
  async find(channel: string, periodKey: string, since: string): Promise<boolean> {
    const result = await this.client.conversations.history({
      channel,
      oldest: String(Math.floor(Date.parse(since) / 1000) - 1),
      include_all_metadata: true,
      limit: 200,
    });
    return (result.messages ?? []).some((message) => {
      const metadata = message.metadata as Metadata;
      return metadata?.event_type === DIGEST_EVENT && metadata.event_payload?.period === periodKey;
    });
  }
}
