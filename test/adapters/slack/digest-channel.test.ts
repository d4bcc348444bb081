import { LogLevel, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackDigestChannel } from '../../../src/adapters/slack/digest-channel.js';
import type { DigestFigures } from '../../../src/core/digest.js';
import { type SlackStandIn, startSlackStandIn } from '../../support/slack-standin.js';

const CHANNEL = 'C0123LEADS';

function figures(key: string): DigestFigures {
  return {
    period: { kind: 'weekly', start: '2026-11-30T00:00:00.000Z', end: '2026-12-07T00:00:00.000Z', key },
    paths: 3,
    externalPaths: 0,
    costUsd: 0,
    byDistribution: [],
    byRequester: [],
    denied: [],
    expired: [],
    completed: 0,
  };
}

describe('the digest in a Slack channel (stand-in)', () => {
  let slack: SlackStandIn;
  let digests: SlackDigestChannel;

  beforeAll(async () => {
    slack = await startSlackStandIn();
    const client = new WebClient('xoxb-test', {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
    });
    digests = new SlackDigestChannel(client, client, []);
  });
  afterAll(() => slack?.close());

  it('posts the digest and finds it again by its period, and no other period', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    expect(await digests.find(CHANNEL, 'weekly#2026-11-30', since)).toBe(false);
    await digests.post(CHANNEL, figures('weekly#2026-11-30'));
    expect(slack.messages.filter((m) => m.channel === CHANNEL).map((m) => m.text)).toEqual([
      'Invalidation digest · Week of 30 Nov – 6 Dec 2026: 3 paths, $0.00',
    ]);
    expect(await digests.find(CHANNEL, 'weekly#2026-11-30', since)).toBe(true);
    expect(await digests.find(CHANNEL, 'weekly#2026-11-23', since)).toBe(false);
  });
});
