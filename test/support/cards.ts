import type { SlackSender } from '../../src/standins/slack-requests.js';
import type { StoredMessage } from '../../src/standins/slack-standin.js';
import { requestIdOf, type Stack, USERS } from './stack.js';

/**
 * Sends `/invalidate <text>` as `user` and waits for the card it posts (the first top-level message that was
 * not there before): the card, and the request id its header names.
 */
export async function requestCard(
  stack: Pick<Stack, 'slack'>,
  slack: SlackSender,
  text: string,
  user: string = USERS.requester,
): Promise<{ card: StoredMessage; id: string }> {
  const before = new Set(stack.slack.messages.map((m) => m.ts));
  await slack.command(user, text);
  const card = await stack.slack.waitFor(() =>
    stack.slack.messages.find((m) => !m.thread_ts && !before.has(m.ts)),
  );
  return { card, id: requestIdOf(card.text) };
}
