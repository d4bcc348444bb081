import { type OnCallDialect, type OnCallStandIn, startOnCallStandIn } from './on-call-standin.js';

const ON_CALLS_PATH = /^\/v2\/schedules\/([^/]+)\/on-calls$/;

/**
 * A local stand-in for Opsgenie's Who is On Call API: `GET /v2/schedules/{identifier}/on-calls` with
 * `Authorization: GenieKey …`; with `flat=true` the on-call recipients come as user names (emails). A
 * schedule set here answers by name (`scheduleIdentifierType=name`) or as an id (the default type).
 * https://docs.opsgenie.com/docs/who-is-on-call-api#get-on-calls
 */
const opsgenie: OnCallDialect = {
  apiKeyOf: (headers) => /^GenieKey (.+)$/.exec(headers.authorization ?? '')?.[1],
  scheduleOf: (url) => {
    const match = ON_CALLS_PATH.exec(url.pathname);
    return match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
  },
  answer: (schedule, emails, url) => {
    const parent = { id: 'd875a1f4-9b4e-4219-a803-0c26936d18de', name: schedule, enabled: true };
    // Without flat=true Opsgenie answers participant objects instead of the recipients' names.
    const data =
      url.searchParams.get('flat') === 'true'
        ? { _parent: parent, onCallRecipients: emails }
        : { _parent: parent, onCallParticipants: emails.map((name) => ({ name, type: 'user' })) };
    return { data, took: 0.1, requestId: 'standin' };
  },
  unauthorized: { message: 'Could not authenticate', took: 0, requestId: 'standin' },
  notFound: { message: 'No schedule exists with identifier', took: 0, requestId: 'standin' },
};

export function startOpsgenieStandIn(options: { apiKey: string; port?: number }): Promise<OnCallStandIn> {
  return startOnCallStandIn(opsgenie, options);
}
