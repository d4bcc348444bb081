import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  RespondFn,
  SlackActionMiddlewareArgs,
  SlackEventMiddlewareArgs,
} from '@slack/bolt';
import { z } from 'zod';
import type { Services } from '../../../usecases/ports.js';
import { LIST_PAGE_SIZE, listRequests, requestStatus, usageReport } from '../../../usecases/reports.js';
import type { PreparedCommand } from '../../../usecases/request-invalidation.js';
import { plain } from '../blocks.js';
import { homeView, listMessage, statusMessage, usageMessage } from '../report-blocks.js';

type Report = Extract<PreparedCommand, { kind: 'status' | 'list' | 'usage' }>;

/** status, list and usage: read-only answers, private to whoever asked. */
export async function answerReport(services: Services, report: Report, user: string, respond: RespondFn) {
  const reply = (message: { text: string; blocks: unknown[] }) =>
    respond({ response_type: 'ephemeral', ...message });
  switch (report.kind) {
    case 'status': {
      const found = await requestStatus(services, report.requestId);
      await reply(
        found
          ? statusMessage(found.stored, found.live)
          : plain(`I have no record of request ${report.requestId}.`),
      );
      return;
    }
    case 'list': {
      const query = {
        ...(report.distribution ? { distributionId: report.distribution.id } : {}),
        ...(report.mine ? { requester: user } : {}),
      };
      await reply(await listPage(services, query, undefined));
      return;
    }
    case 'usage':
      await reply(usageMessage(await usageReport(services, report.month), services.policy));
      return;
    default: {
      const unreachable: never = report;
      throw new Error(`unknown report ${JSON.stringify(unreachable)}`);
    }
  }
}

const moreValue = z.object({ d: z.string().optional(), u: z.string().optional(), c: z.string() });

async function listPage(
  services: Services,
  query: { distributionId?: string; requester?: string },
  cursor: string | undefined,
) {
  const page = await listRequests(services, { ...query, ...(cursor ? { cursor } : {}) });
  const alias = services.policy.distributions.find((d) => d.id === query.distributionId)?.alias;
  const title = `Recent requests${alias ? ` on ${alias}` : ''}${query.requester ? ' (yours)' : ''}`;
  // The button's value carries the query and the cursor (Slack allows 2,000 characters there).
  const more = page.cursor
    ? JSON.stringify({ d: query.distributionId, u: query.requester, c: page.cursor })
    : undefined;
  return listMessage(
    page.requests.slice(0, LIST_PAGE_SIZE),
    title,
    more && more.length <= 2000 ? more : undefined,
  );
}

/** "More" under a list: the next page replaces the message. */
export function listMoreButton(services: Services) {
  return async ({
    ack,
    action,
    respond,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs) => {
    await ack();
    const value = moreValue.parse(JSON.parse(action.value ?? '{}'));
    const query = {
      ...(value.d ? { distributionId: value.d } : {}),
      ...(value.u ? { requester: value.u } : {}),
    };
    await respond({ replace_original: true, ...(await listPage(services, query, value.c)) });
  };
}

/** The App Home tab, drawn afresh each time it is opened. */
export function homeOpened(services: Services) {
  return async ({ event, client }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs) => {
    if (event.tab !== 'home') return;
    const [summary, mine] = await Promise.all([
      usageReport(services),
      listRequests(services, { requester: event.user }),
    ]);
    await client.views.publish({
      user_id: event.user,
      view: homeView(summary, services.policy, mine.requests) as never,
    });
  };
}
