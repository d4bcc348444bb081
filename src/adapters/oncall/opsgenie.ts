import * as z from 'zod';
import type { OnCallServiceConfig } from '../../config.js';
import { fetchJson, ON_CALL_TIMEOUT_MS, OnCallError } from './on-call-error.js';

/** With `flat=true` the on-call participants come as their user names, which in Opsgenie are emails. */
const onCallsAnswer = z.object({ data: z.object({ onCallRecipients: z.array(z.string()) }) });

/** An Opsgenie schedule id is a UUID; anything else is taken as the schedule's name. */
const SCHEDULE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Who is on call now in an Opsgenie schedule (named by id or name), as emails.
 * https://docs.opsgenie.com/docs/who-is-on-call-api#get-on-calls
 */
export async function opsgenieOnCall(
  service: OnCallServiceConfig,
  schedule: string,
  timeoutMs = ON_CALL_TIMEOUT_MS,
): Promise<string[]> {
  const url = new URL(`/v2/schedules/${encodeURIComponent(schedule)}/on-calls`, service.apiUrl);
  url.searchParams.set('scheduleIdentifierType', SCHEDULE_ID.test(schedule) ? 'id' : 'name');
  url.searchParams.set('flat', 'true');
  const headers = { authorization: `GenieKey ${service.apiKey}`, accept: 'application/json' };
  const parsed = onCallsAnswer.safeParse(await fetchJson('Opsgenie', url, headers, timeoutMs));
  if (!parsed.success) throw new OnCallError('unreadable', 'Opsgenie answered without onCallRecipients');
  return [...new Set(parsed.data.data.onCallRecipients)];
}
