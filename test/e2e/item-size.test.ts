import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PolicyConfig, parseConfig } from '../../src/config.js';
import { itemBytes, MAX_ITEM_BYTES } from '../../src/core/item-size.js';
import type { SlackSender } from '../../src/standins/slack-requests.js';
import { SUBMISSION_METRICS } from '../../src/usecases/record-submission.js';
import type { BotProcess } from '../support/bot-process.js';
import { prepareOffline } from '../support/facts.js';
import { DISTRIBUTIONS, requestIdOf, type Stack, startStack, testConfig, USERS } from '../support/stack.js';

const CHANNEL = 'C0SIZES001';
// A longer lease than the other tests' 2 s: a save that fails after CloudFront accepted is retried
// within half of it, before the request could be claimed (and re-submitted) again.
const CONFIG = testConfig({ workLeaseSeconds: 10 });

/** A path of CJK characters as long as CloudFront takes once encoded (each is 9 bytes: `%E4%B8%AD`). */
const cjkPath = (index: number) => {
  const prefix = `/${index}/`;
  return prefix + '中'.repeat(Math.floor((4000 - prefix.length) / 9));
};

/**
 * The largest request of long CJK paths that /invalidate accepts, found with the same check the bot
 * runs: as many full paths as fit, then ASCII paths filling what room is left to the last byte (each
 * ASCII character adds exactly one byte to the bound). `oneMore` is the same with one byte more.
 */
async function largestAccepted(
  policy: PolicyConfig,
): Promise<{ accepted: string[]; oneMore: string[]; cjk: number }> {
  const fits = async (paths: string[]) =>
    (await prepareOffline(policy, `docs ${paths.join(' ')}`, CHANNEL)).ok;
  const paths: string[] = [];
  // Capped, so that a bot that stopped refusing makes this fail instead of search forever.
  const more = async (next: string) => paths.length < 100 && (await fits([...paths, next]));
  while (await more(cjkPath(paths.length))) paths.push(cjkPath(paths.length));
  const cjk = paths.length;
  const ascii = (index: number, length: number) => `/${index}/`.padEnd(length, 'a');
  while (await more(ascii(paths.length, 4000))) paths.push(ascii(paths.length, 4000));
  let low = 0;
  let high = 4000;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (await fits([...paths, ascii(paths.length, mid)])) low = mid;
    else high = mid - 1;
  }
  if (low < `/${paths.length}/`.length + 1) throw new Error('expected room for one more path');
  return {
    accepted: [...paths, ascii(paths.length, low)],
    oneMore: [...paths, ascii(paths.length, low + 1)],
    cjk,
  };
}

describe('what is stored fits, through the whole life of a request', () => {
  let stack: Stack;
  let bot: BotProcess;
  let slack: SlackSender;
  let policy: PolicyConfig;

  beforeAll(async () => {
    stack = await startStack({ config: CONFIG });
    bot = await stack.startBot();
    slack = stack.sender(bot);
    policy = parseConfig(stack.env, { path: 'invalidator.config.yml', content: CONFIG }).policy;
  });
  afterAll(async () => {
    if (process.env.DEBUG_BOT_LOGS) console.log(bot?.logs.join('\n'));
    await stack?.close();
  });

  const requestItem = async (id: string) => {
    const items = await stack.plainItems();
    return items.find((item) => item.pk === `REQ#${id}`);
  };

  it('takes the largest request of multi-byte paths it accepts through submission and completion, and counts it', async () => {
    const { accepted, cjk } = await largestAccepted(policy);
    expect(cjk).toBeGreaterThan(30);
    const answer = await slack.command(USERS.requester, `docs ${accepted.join(' ')}`, CHANNEL);
    expect(answer.status).toBe(200);
    const card = await stack.slack.waitFor(
      () => stack.slack.messages.find((m) => !m.thread_ts && m.channel === CHANNEL),
      30_000,
    );
    const id = requestIdOf(card.text);
    const made = await stack.slack.waitFor(() =>
      stack.cloudfront.invalidations(DISTRIBUTIONS.docs).find((inv) => inv.callerReference === id),
    );
    expect(made.paths).toHaveLength(accepted.length);
    await stack.slack.waitFor(
      () => stack.slack.threadReplies(card.channel, card.ts).find((m) => m.text.includes('completed in')),
      30_000,
    );
    const item = await requestItem(id);
    const request = item?.request as { status: string } | undefined;
    expect(request?.status).toBe('completed');
    const events = (item?.events ?? []) as Array<{ type: string }>;
    expect(events.map((event) => event.type)).toEqual(
      expect.arrayContaining(['requested', 'approved', 'submitted', 'completed']),
    );
    expect(item?.usagePaths).toBe(accepted.length);
    expect(itemBytes(item ?? {})).toBeLessThanOrEqual(MAX_ITEM_BYTES);
    expect(itemBytes(item ?? {})).toBeGreaterThan(MAX_ITEM_BYTES / 2);
    const creates = stack.cloudfront.calls.filter(
      (call) => call.operation === 'create' && call.callerReference === id,
    );
    expect(creates).toHaveLength(1);
  });

  it('refuses one byte more up front, naming the limit and how to split, and records nothing', async () => {
    const { oneMore } = await largestAccepted(policy);
    // requests and refusals: reconciliation and tasks write items of their own meanwhile
    const recorded = async () =>
      (await stack.plainItems()).filter((item) => /^(REQ|REFUSAL)#/.test(String(item.pk))).length;
    const before = await recorded();
    const answer = await slack.command(USERS.requester, `docs ${oneMore.join(' ')}`, CHANNEL);
    expect(answer.status).toBe(200);
    const text = JSON.stringify(answer.json());
    expect(text).toContain('too large to record');
    expect(text).toContain('400 KB');
    expect(text).toMatch(/Send the paths in 2 requests of at most \d+ paths each/);
    expect(await recorded()).toBe(before);
  });

  it('retries the save, not the submission, when DynamoDB fails right after CloudFront accepted, and says so at error', async () => {
    const off = stack.cloudfront.onCall((call) => {
      if (call.operation !== 'create' || call.distributionId !== DISTRIBUTIONS.docs) return;
      off();
      stack.dynamoProxy.cut();
      setTimeout(() => stack.dynamoProxy.restore(), 1_500);
    });
    await slack.command(USERS.requester, 'docs /after/cut.html', CHANNEL);
    const card = await stack.slack.waitFor(() =>
      stack.slack.messages.find(
        (m) => !m.thread_ts && JSON.stringify(m.blocks ?? []).includes('/after/cut.html'),
      ),
    );
    const id = requestIdOf(card.text);
    await stack.slack.waitFor(
      () => stack.slack.threadReplies(card.channel, card.ts).find((m) => m.text.includes('completed in')),
      30_000,
    );
    const unrecorded = bot.logs.filter(
      (line) => line.includes(SUBMISSION_METRICS.message) && line.includes(id),
    );
    expect(unrecorded.length).toBeGreaterThan(0);
    // Each such line is counted in the metric the alarm reads, written by the server as EMF on stdout.
    const counted = bot.logs
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .flatMap((emf) => [emf[SUBMISSION_METRICS.unrecorded] ?? []].flat());
    expect(counted.reduce((sum: number, n) => sum + Number(n), 0)).toBe(unrecorded.length);
    const creates = stack.cloudfront.calls.filter(
      (call) => call.operation === 'create' && call.callerReference === id,
    );
    expect(creates).toHaveLength(1);
    const item = await requestItem(id);
    expect(((item?.events ?? []) as Array<{ type: string }>).some((e) => e.type === 'submitted')).toBe(true);
    expect(item?.usagePaths).toBe(1);
  });
});
