import { LogLevel, WebClient } from '@slack/web-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ScheduleOnCallDirectory } from '../../../src/adapters/oncall/on-call-directory.js';
import { OnCallError } from '../../../src/adapters/oncall/on-call-error.js';
import { opsgenieOnCall } from '../../../src/adapters/oncall/opsgenie.js';
import { pagerDutyOnCall } from '../../../src/adapters/oncall/pagerduty.js';
import { SlackUsersByEmail } from '../../../src/adapters/slack/users-by-email.js';
import type { OnCallStandIn } from '../../../src/standins/on-call-standin.js';
import { startOpsgenieStandIn } from '../../../src/standins/opsgenie-standin.js';
import { startPagerDutyStandIn } from '../../../src/standins/pagerduty-standin.js';
import type { Logger } from '../../../src/usecases/ports.js';
import { type SlackStandIn, startSlackStandIn } from '../../support/slack-standin.js';

const PD_KEY = 'pd-secret-key';
const OG_KEY = 'og-secret-key';
const SCHEDULE = 'P1ABCDE';
const OPSGENIE_ID = '4f1a2b3c-0d9e-4f8a-9b7c-6d5e4f3a2b1c';

const warnings: Array<Record<string, unknown> | undefined> = [];
const logger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (_message, fields) => warnings.push(fields),
  error: () => {},
};

/** The error an on-call read rejects with. */
async function failureOf(read: Promise<unknown>): Promise<OnCallError> {
  const error = await read.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof OnCallError)) throw new Error(`expected an OnCallError, got ${String(error)}`);
  return error;
}

describe('on-call schedules through the PagerDuty and Opsgenie stand-ins', () => {
  let pagerDuty: OnCallStandIn;
  let opsgenie: OnCallStandIn;
  let slack: SlackStandIn;
  let client: WebClient;

  beforeAll(async () => {
    [pagerDuty, opsgenie, slack] = await Promise.all([
      startPagerDutyStandIn({ apiKey: PD_KEY }),
      startOpsgenieStandIn({ apiKey: OG_KEY }),
      startSlackStandIn({ userEmails: { 'ana@example.com': 'U0ANA', 'bo@example.com': 'U0BO' } }),
    ]);
    client = new WebClient('xoxb-test', {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
    });
  });
  afterEach(() => {
    pagerDuty.setFault(undefined);
    opsgenie.setFault(undefined);
  });
  afterAll(() => Promise.all([pagerDuty?.close(), opsgenie?.close(), slack?.close()]));

  const pd = () => ({ apiUrl: pagerDuty.url, apiKey: PD_KEY });
  const og = () => ({ apiUrl: opsgenie.url, apiKey: OG_KEY });

  it('asks PagerDuty GET /oncalls for the schedule now, with its token and v2 media type', async () => {
    pagerDuty.setOnCall(SCHEDULE, ['ana@example.com', 'bo@example.com', 'ana@example.com']);
    expect(await pagerDutyOnCall(pd(), SCHEDULE)).toEqual(['ana@example.com', 'bo@example.com']);
    const call = pagerDuty.calls.at(-1);
    expect(call?.path).toBe('/oncalls');
    expect(call?.query.getAll('schedule_ids[]')).toEqual([SCHEDULE]);
    expect(call?.query.getAll('include[]')).toEqual(['users']);
    expect(call?.query.get('earliest')).toBe('true');
    expect(call?.headers.authorization).toBe(`Token token=${PD_KEY}`);
    expect(call?.headers.accept).toBe('application/vnd.pagerduty+json;version=2');
  });

  it('asks Opsgenie by schedule name or id, flat, with its GenieKey', async () => {
    opsgenie.setOnCall('Platform On-call', ['bo@example.com']);
    opsgenie.setOnCall(OPSGENIE_ID, ['ana@example.com']);
    expect(await opsgenieOnCall(og(), 'Platform On-call')).toEqual(['bo@example.com']);
    const byName = opsgenie.calls.at(-1);
    expect(byName?.path).toBe('/v2/schedules/Platform%20On-call/on-calls');
    expect(byName?.query.get('scheduleIdentifierType')).toBe('name');
    expect(byName?.query.get('flat')).toBe('true');
    expect(byName?.headers.authorization).toBe(`GenieKey ${OG_KEY}`);
    expect(await opsgenieOnCall(og(), OPSGENIE_ID)).toEqual(['ana@example.com']);
    expect(opsgenie.calls.at(-1)?.query.get('scheduleIdentifierType')).toBe('id');
  });

  it.each([
    [{ kind: 'unauthorized' } as const, 'unauthorized', 'refused the API key (HTTP 401)'],
    [{ kind: 'status', status: 500 } as const, 'failed', 'answered HTTP 500'],
    [{ kind: 'slow', ms: 500 } as const, 'timeout', 'did not answer within 200 ms'],
  ])('turns a fault (%j) into a clear error', async (fault, kind, words) => {
    pagerDuty.setFault(fault);
    opsgenie.setFault(fault);
    const pdError = await failureOf(pagerDutyOnCall(pd(), SCHEDULE, 200));
    expect([pdError.kind, pdError.message]).toEqual([kind, `PagerDuty ${words}`]);
    const ogError = await failureOf(opsgenieOnCall(og(), 'Platform On-call', 200));
    expect([ogError.kind, ogError.message]).toEqual([kind, `Opsgenie ${words}`]);
  });

  it('refuses a wrong key and an unknown schedule, and never puts the key in a message', async () => {
    const wrong = await failureOf(pagerDutyOnCall({ apiUrl: pagerDuty.url, apiKey: 'wrong' }, SCHEDULE));
    expect(wrong.kind).toBe('unauthorized');
    expect(wrong.message).not.toContain('wrong');
    expect((await failureOf(opsgenieOnCall(og(), 'No such schedule'))).kind).toBe('not_found');
  });

  it('gives a click a fresh answer, while a card may show one up to a minute old', async () => {
    let now = 1_000_000;
    const directory = new ScheduleOnCallDirectory(
      { pagerduty: (schedule) => pagerDutyOnCall(pd(), schedule) },
      new SlackUsersByEmail(client),
      logger,
      () => now,
    );
    const schedule = { service: 'pagerduty' as const, schedule: SCHEDULE };
    pagerDuty.setOnCall(SCHEDULE, ['ana@example.com']);
    expect(await directory.confirm(schedule)).toEqual({ ok: true, users: ['U0ANA'] });
    pagerDuty.setOnCall(SCHEDULE, ['bo@example.com']);
    now += 10_000;
    expect(await directory.snapshot(schedule)).toEqual({ ok: true, users: ['U0ANA'] });
    expect(await directory.confirm(schedule)).toEqual({ ok: true, users: ['U0BO'] });
    now += 60_000;
    pagerDuty.setOnCall(SCHEDULE, ['ana@example.com']);
    expect(await directory.snapshot(schedule)).toEqual({ ok: true, users: ['U0ANA'] });
  });

  it('shares one lookup between clicks that arrive together', async () => {
    const directory = new ScheduleOnCallDirectory(
      { pagerduty: (schedule) => pagerDutyOnCall(pd(), schedule) },
      new SlackUsersByEmail(client),
      logger,
    );
    pagerDuty.setOnCall(SCHEDULE, ['ana@example.com']);
    const before = pagerDuty.calls.length;
    const schedule = { service: 'pagerduty' as const, schedule: SCHEDULE };
    const answers = await Promise.all([directory.confirm(schedule), directory.confirm(schedule)]);
    expect(answers).toEqual([
      { ok: true, users: ['U0ANA'] },
      { ok: true, users: ['U0ANA'] },
    ]);
    expect(pagerDuty.calls.length - before).toBe(1);
  });

  it('keeps the email → user match, skips people without a Slack user, and says why a schedule failed', async () => {
    const directory = new ScheduleOnCallDirectory(
      { opsgenie: (schedule) => opsgenieOnCall(og(), schedule) },
      new SlackUsersByEmail(client),
      logger,
    );
    const schedule = { service: 'opsgenie' as const, schedule: 'Platform On-call' };
    opsgenie.setOnCall('Platform On-call', ['BO@example.com', 'ghost@example.com']);
    const lookups = slack.callsTo('users.lookupByEmail').length;
    expect(await directory.confirm(schedule)).toEqual({ ok: true, users: ['U0BO'] });
    expect(await directory.confirm(schedule)).toEqual({ ok: true, users: ['U0BO'] });
    // bo's match is kept; ghost, with no user, is asked again each time.
    expect(slack.callsTo('users.lookupByEmail').length - lookups).toBe(3);
    expect(warnings.at(-1)).toMatchObject({ missing: ['ghost@example.com'] });
    opsgenie.setFault({ kind: 'status', status: 503 });
    expect(await directory.confirm(schedule)).toEqual({ ok: false, reason: 'Opsgenie answered HTTP 503' });
    expect(await directory.confirm({ service: 'pagerduty', schedule: SCHEDULE })).toEqual({
      ok: false,
      reason: 'no PagerDuty API key is configured',
    });
  });

  it('gives up on a schedule that answers too late for a click', async () => {
    const directory = new ScheduleOnCallDirectory(
      { pagerduty: (schedule) => pagerDutyOnCall(pd(), schedule) },
      new SlackUsersByEmail(client),
      logger,
      Date.now,
      300,
    );
    pagerDuty.setFault({ kind: 'slow', ms: 1_000 });
    const started = Date.now();
    expect(await directory.confirm({ service: 'pagerduty', schedule: SCHEDULE })).toEqual({
      ok: false,
      reason: 'PagerDuty did not answer in time',
    });
    expect(Date.now() - started).toBeLessThan(900);
  });
});
