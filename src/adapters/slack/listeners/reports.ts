import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  SlackEventMiddlewareArgs,
  webApi,
} from '@slack/bolt';
import * as z from 'zod';
import type { AccessCheck, Viewer } from '../../../core/visibility.js';
import { budgetReport } from '../../../usecases/budget-report.js';
import type { Services } from '../../../usecases/ports.js';
import { reportAccess } from '../../../usecases/report-access.js';
import { LIST_PAGE_SIZE, listRequests, requestStatus, usageReport } from '../../../usecases/reports.js';
import type { PreparedCommand } from '../../../usecases/request-invalidation.js';
import { waitingDecisions } from '../../../usecases/waiting-decisions.js';
import { plain, type SlackMessage } from '../blocks.js';
import { noRecordText } from '../messages.js';
import { homeView, listMessage, statusMessage, usageMessage } from '../report-blocks.js';
import { INLINE_FOLLOW_UPS, type ListenerFollowUps, type Respond, responder } from './follow-ups.js';

type Report = Extract<PreparedCommand, { kind: 'status' | 'list' | 'usage' }>;

/**
 * status, list and usage: read-only answers, private to whoever asked. What a restricted distribution's
 * requests show depends on who asks and from which channel (core/visibility.ts).
 */
export async function answerReport(services: Services, report: Report, viewer: Viewer, respond: Respond) {
  const reply = (message: SlackMessage) => respond({ response_type: 'ephemeral', ...message });
  const access = await reportAccess(services, viewer);
  switch (report.kind) {
    case 'status': {
      const found = await requestStatus(services, report.requestId, access);
      await reply(
        found ? statusMessage(found.stored, found.live, found.access) : plain(noRecordText(report.requestId)),
      );
      return;
    }
    case 'list': {
      const query = {
        ...(report.distribution ? { distributionId: report.distribution.id } : {}),
        ...(report.mine ? { requester: viewer.user } : {}),
      };
      await reply(await listPage(services, query, undefined, access));
      return;
    }
    case 'usage':
      await reply(
        usageMessage(
          await usageReport(services, access, report.month),
          services.policy,
          await budgetReport(services, access, report.month),
        ),
      );
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
  access: AccessCheck,
) {
  const page = await listRequests(services, { ...query, ...(cursor ? { cursor } : {}) }, access);
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

/**
 * "More" under a list: the next page replaces the message. Access is decided anew for whoever clicks,
 * where the list is: the button's value is not trusted to say who may see what.
 */
export function listMoreButton(services: Services, followUps: ListenerFollowUps = INLINE_FOLLOW_UPS) {
  return async ({
    ack,
    action,
    body,
    respond: boltRespond,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs) => {
    await ack();
    const respond = responder(followUps, boltRespond, body.response_url);
    const value = moreValue.parse(JSON.parse(action.value ?? '{}'));
    const query = {
      ...(value.d ? { distributionId: value.d } : {}),
      ...(value.u ? { requester: value.u } : {}),
    };
    const channel = body.channel?.id;
    const access = await reportAccess(services, { user: body.user.id, ...(channel ? { channel } : {}) });
    await respond({ replace_original: true, ...(await listPage(services, query, value.c, access)) });
  };
}

/** The App Home tab, drawn afresh each time it is opened. */
export function homeOpened(services: Services) {
  return async ({ event, client }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs) => {
    if (event.tab !== 'home') return;
    await publishHome(services, client, event.user);
  };
}

/**
 * Draws `user`'s App Home and publishes it: on opening, and after a decision made from it, so what was
 * decided leaves "Waiting for you". https://api.slack.com/methods/views.publish
 */
export async function publishHome(services: Services, client: webApi.WebClient, user: string): Promise<void> {
  // The Home tab is in no channel: only the viewer's own requests and memberships open details.
  const access = await reportAccess(services, { user });
  const [summary, mine, waiting, budgets] = await Promise.all([
    usageReport(services, access),
    listRequests(services, { requester: user }, access),
    waitingDecisions(services, user),
    budgetReport(services, access),
  ]);
  await client.views.publish({
    user_id: user,
    view: homeView(summary, services.policy, mine.requests, waiting, budgets),
  });
}
