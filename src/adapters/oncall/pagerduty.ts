import * as z from 'zod';
import type { OnCallServiceConfig } from '../../config.js';
import { fetchJson, ON_CALL_TIMEOUT_MS, OnCallError } from './on-call-error.js';

/** The part of `GET /oncalls` read here: each entry's user, with its email (`include[]=users`). */
const onCallsAnswer = z.object({
  oncalls: z.array(z.object({ user: z.object({ email: z.string() }).nullable().optional() })),
});

/**
 * Who is on call now in a PagerDuty schedule, as emails. `GET /oncalls` without `since`/`until` answers the
 * present; `earliest=true` gives one entry per escalation level, and `include[]=users` puts the user's
 * email in each entry, so one call is enough.
 * https://developer.pagerduty.com/api-reference/3a6b910f11050-list-all-of-the-on-calls
 */
export async function pagerDutyOnCall(
  service: OnCallServiceConfig,
  schedule: string,
  timeoutMs = ON_CALL_TIMEOUT_MS,
): Promise<string[]> {
  const url = new URL('/oncalls', service.apiUrl);
  url.searchParams.append('schedule_ids[]', schedule);
  url.searchParams.append('include[]', 'users');
  url.searchParams.set('earliest', 'true');
  const headers = {
    authorization: `Token token=${service.apiKey}`,
    accept: 'application/vnd.pagerduty+json;version=2',
  };
  const parsed = onCallsAnswer.safeParse(await fetchJson('PagerDuty', url, headers, timeoutMs));
  if (!parsed.success) throw new OnCallError('unreadable', 'PagerDuty answered without a list of on-calls');
  const emails = parsed.data.oncalls.flatMap((entry) => (entry.user ? [entry.user.email] : []));
  return [...new Set(emails)];
}
