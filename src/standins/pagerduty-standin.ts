import { type OnCallDialect, type OnCallStandIn, startOnCallStandIn } from './on-call-standin.js';

/**
 * A local stand-in for PagerDuty's `GET /oncalls` (REST API v2): `Authorization: Token token=…`, one entry
 * per on-call user of the schedule asked with `schedule_ids[]`, its user included with its email.
 * https://developer.pagerduty.com/api-reference/3a6b910f11050-list-all-of-the-on-calls
 */
const pagerDuty: OnCallDialect = {
  apiKeyOf: (headers) => /^Token token=(.+)$/.exec(headers.authorization ?? '')?.[1],
  scheduleOf: (url) =>
    url.pathname === '/oncalls' ? (url.searchParams.get('schedule_ids[]') ?? undefined) : undefined,
  answer: (schedule, emails) => ({
    oncalls: emails.map((email, index) => ({
      escalation_level: 1,
      schedule: { id: schedule, type: 'schedule_reference' },
      user: { id: `PU${index}`, type: 'user', name: email.split('@')[0], email },
      start: new Date(Date.now() - 3_600_000).toISOString(),
      end: new Date(Date.now() + 3_600_000).toISOString(),
    })),
    limit: 25,
    offset: 0,
    more: false,
    total: null,
  }),
  unauthorized: { error: { message: 'Unauthorized', code: 2006 } },
  notFound: { error: { message: 'Not Found', code: 2100 } },
};

export function startPagerDutyStandIn(options: { apiKey: string; port?: number }): Promise<OnCallStandIn> {
  return startOnCallStandIn(pagerDuty, options);
}
