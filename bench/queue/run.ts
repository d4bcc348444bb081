// `npm run bench:queue`: the DynamoDB writes of 20 requests queued for CloudFront capacity, over one
// minute, counted by a proxy in front of dynalite. The bot runs as `npm start` runs it (the build in this
// checkout), against the CloudFront stand-in with the distribution's wildcard capacity held by one long
// invalidation. Prints the figures; docs/benchmarks.md keeps them with the commit they were measured on.
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '../../test/support/bot-process.js';
import { type DynamoCall, startDynamoCounter, WRITES } from '../../test/support/dynamo-counter.js';
import { DISTRIBUTIONS, requestIdOf, startStack, USERS } from '../../test/support/stack.js';

const QUEUED = 20;
const WINDOW_MS = 60_000;
/** Four requesters, five requests each, sent interleaved. */
const REQUESTERS = [USERS.requester, USERS.lead, USERS.oncall, USERS.oncall2];

async function main(): Promise<void> {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
  // Invalidations stay in progress for ten minutes: nothing frees capacity during the run.
  // The bot's own polling and lease defaults: only the distribution is configured.
  const config = { distributions: { docs: { id: DISTRIBUTIONS.docs, approval: 'never' } } };
  const stack = await startStack({ config, cloudfront: { completeAfterMs: 600_000 } });
  const counter = await startDynamoCounter(stack.dynamoProxy.url);
  try {
    const bot = await stack.startBot({ AWS_ENDPOINT_URL_DYNAMODB: counter.url });
    const slack = stack.sender(bot);
    const send = async (user: string, paths: string) => {
      const before = new Set(stack.slack.messages.map((m) => m.ts));
      await slack.command(user, `docs ${paths}`);
      const card = await stack.slack.waitFor(() =>
        stack.slack.messages.find((m) => !m.thread_ts && !before.has(m.ts)),
      );
      return requestIdOf(card.text);
    };
    const holder = Array.from({ length: 15 }, (_, i) => `/held/${i}/*`).join(' ');
    await send(USERS.requester, holder);
    await stack.slack.waitFor(() => stack.cloudfront.invalidations(DISTRIBUTIONS.docs).length === 1);
    const ids: string[] = [];
    for (let n = 0; n < QUEUED; n++) {
      ids.push(await send(REQUESTERS[n % REQUESTERS.length] ?? USERS.requester, `/queued/${n}/*`));
    }
    for (let tries = 0; ; tries++) {
      const items = await stack.plainItems();
      if (items.filter((item) => item.status === 'queued').length === QUEUED) break;
      if (tries > 300) throw new Error('the requests did not all queue');
      await sleep(100);
    }
    const start = counter.calls.length;
    await sleep(WINDOW_MS);
    const calls = counter.calls.slice(start);
    const queuedKeys = new Set(ids.map((id) => `REQ#${id}`));
    const onQueued = (call: DynamoCall) => call.pk !== undefined && queuedKeys.has(call.pk);
    const count = (list: DynamoCall[]) => {
      const counts: Record<string, number> = {};
      for (const call of list) counts[call.operation] = (counts[call.operation] ?? 0) + 1;
      return counts;
    };
    const writes = calls.filter((call) => WRITES.has(call.operation));
    const createCalls = stack.cloudfront.calls.filter((call) => call.operation === 'create').length;
    const report = {
      commit: commit.trim(),
      queued: QUEUED,
      windowSeconds: WINDOW_MS / 1000,
      writes: writes.length,
      writesToQueuedItems: writes.filter(onQueued).length,
      writesByOperation: count(writes),
      allCallsByOperation: count(calls),
      stillQueued: (await stack.plainItems()).filter((item) => item.status === 'queued').length,
      cloudFrontCreates: createCalls,
    };
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await stack.close();
    await counter.close();
  }
}

await main();
