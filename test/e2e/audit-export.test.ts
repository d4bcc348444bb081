import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackSender } from '../../src/standins/slack-requests.js';
import { runAuditCli } from '../support/audit-cli.js';
import type { BotProcess } from '../support/bot-process.js';
import { requestIdOf, type Stack, startStack, USERS } from '../support/stack.js';

const APPROVE = 'invalidator.approve';
/** What a spreadsheet would run as a formula, typed in Slack as reasons (Slack trims tab and CR away). */
const FORMULAS = ['=HYPERLINK("http://x","y")', '+1', '-2', '@SUM(A1)'];
const DENY_REASON = "=cmd|' /C calc'!A0";
const FORMULA_START = /^[=+\-@\t\r]/;

type Row = Record<string, string>;

describe('an audit export a finance team can open safely, end to end', () => {
  let stack: Stack;
  let bot: BotProcess;
  let slack: SlackSender;
  /** made three months ago: one refused a click today, the other denied today */
  let refusedId: string;
  let deniedId: string;
  const monthStart = `${new Date().toISOString().slice(0, 7)}-01`;

  const audit = (args: string[]) => runAuditCli(stack.cwd, stack.env, args);
  const csv = async (args: string[]) => {
    const result = await audit([...args, '--format', 'csv']);
    expect(result.status, result.stderr).toBe(0);
    return parse(result.stdout, { columns: true }) as Row[];
  };
  /** Waits until the request has an event of this type (read from the table itself). */
  const eventRecorded = async (id: string, type: string) => {
    const deadline = Date.now() + 10_000;
    while (!(await eventTypes(id)).includes(type)) {
      if (Date.now() > deadline) throw new Error(`no ${type} event on ${id}: ${await eventTypes(id)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const eventTypes = async (id: string) => {
    const items = await stack.plainItems();
    const item = items.find((i) => i.pk === `REQ#${id}`) as { events?: Array<{ type: string }> } | undefined;
    return (item?.events ?? []).map((e) => e.type);
  };

  /**
   * Moves a request's creation three months back, as if it had been made then and were still open: its
   * creation time, its `requested` event and its place in the month listing.
   */
  async function makeOld(id: string): Promise<void> {
    const documents = DynamoDBDocumentClient.from(stack.dynamo.client());
    const key = { pk: `REQ#${id}`, sk: 'REQUEST' };
    // Once its card is posted and saved, the request waits for a decision and nothing else writes it.
    let Item: Record<string, unknown> | undefined;
    for (let attempt = 0; attempt < 200; attempt++) {
      ({ Item } = await documents.send(new GetCommand({ TableName: stack.tableName, Key: key })));
      if ((Item?.request as { status?: string } | undefined)?.status === 'pending_approval') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!Item) throw new Error(`no request ${id}`);
    const now = new Date();
    const then = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 3, 15, 9)).toISOString();
    const request = { ...(Item.request as Record<string, unknown>), createdAt: then };
    const events = (Item.events as Array<Record<string, unknown>>).map((e) =>
      e.type === 'requested' ? { ...e, at: then } : e,
    );
    await documents.send(
      new UpdateCommand({
        TableName: stack.tableName,
        Key: key,
        UpdateExpression:
          'SET #request = :request, events = :events, monthPk = :monthPk, createdSk = :createdSk',
        ExpressionAttributeNames: { '#request': 'request' },
        ExpressionAttributeValues: {
          ':request': request,
          ':events': events,
          ':monthPk': `MONTH#${then.slice(0, 7)}`,
          ':createdSk': `${then}#${id}`,
        },
      }),
    );
    documents.destroy();
  }

  /** A request made through the bot, waiting for approval, then moved three months back. */
  async function oldRequest(path: string): Promise<string> {
    await slack.command(USERS.requester, `web ${path} --reason quarterly clean-up`);
    const card = await stack.slack.waitFor(() =>
      stack.slack.messages.find((m) => !m.thread_ts && JSON.stringify(m.blocks).includes(path)),
    );
    const id = requestIdOf(card.text);
    await makeOld(id);
    return id;
  }

  beforeAll(async () => {
    stack = await startStack();
    bot = await stack.startBot();
    slack = stack.sender(bot);
    for (const [n, reason] of FORMULAS.entries()) {
      await slack.command(USERS.requester, `docs /formula${n}.html --reason ${reason}`);
    }
    refusedId = await oldRequest('/old/refused/*');
    deniedId = await oldRequest('/old/denied/*');
    // Today, on the requests from three months ago: a refused click (a requester may not approve their own
    // request), recorded without a state change; and a denial with a reason, a state change.
    await slack.click(USERS.requester, APPROVE, refusedId);
    await slack.submitDeny(USERS.lead, deniedId, DENY_REASON);
    await eventRecorded(refusedId, 'refused');
    await eventRecorded(deniedId, 'denied');
    // The denial is told in the card's thread, and that is recorded too.
    await eventRecorded(deniedId, 'notice_sent');
  }, 120_000);
  afterAll(async () => {
    if (process.env.DEBUG_BOT_LOGS) console.log(bot?.logs.join('\n'));
    await stack?.close();
  });

  it('writes every reason typed in Slack as text a spreadsheet never runs, in a plain reason column', async () => {
    const rows = await csv(['--since', monthStart]);
    for (const reason of FORMULAS) {
      const requested = rows.find((row) => row.event === 'requested' && row.reason === `'${reason}`);
      expect(requested, reason).toBeDefined();
    }
    const denied = rows.find((row) => row.requestId === deniedId && row.event === 'denied');
    expect(denied?.reason).toBe(`'${DENY_REASON}`);
    for (const row of rows) {
      for (const [column, cell] of Object.entries(row))
        expect(cell, `${column}: ${cell}`).not.toMatch(FORMULA_START);
    }
  });

  it("exports today's events on requests made three months ago, and not their older ones", async () => {
    const rows = await csv(['--since', monthStart]);
    const eventsOf = (all: Row[], id: string) =>
      all.filter((row) => row.requestId === id).map((row) => row.event);
    expect(eventsOf(rows, refusedId)).toEqual(['refused']);
    expect(eventsOf(rows, deniedId)).toEqual(['denied', 'notice_sent']);
    const refusals = await csv(['--rows', 'refusals', '--since', monthStart]);
    expect(refusals.filter((row) => row.requestId === refusedId).map((row) => row.refusal)).toEqual([
      'own_request',
    ]);
    const everything = await csv([]);
    expect(eventsOf(everything, refusedId)).toEqual(['requested', 'refused']);
    expect(eventsOf(everything, deniedId)).toEqual(['requested', 'denied', 'notice_sent']);
  });

  it('exports event details as nested JSON, with the reason as typed', async () => {
    const result = await audit(['--since', monthStart, '--format', 'json']);
    expect(result.status, result.stderr).toBe(0);
    const rows = JSON.parse(result.stdout) as Array<{
      requestId: string;
      event: string;
      reason?: string;
      details: Record<string, unknown>;
    }>;
    const denied = rows.find((row) => row.requestId === deniedId && row.event === 'denied');
    expect(denied?.details).toEqual({ reason: DENY_REASON });
    expect(denied?.reason).toBe(DENY_REASON);
    const requested = rows.filter((row) => row.event === 'requested').map((row) => row.details.reason);
    expect(requested).toEqual(expect.arrayContaining(FORMULAS));
    for (const row of rows) expect(typeof row.details, row.event).toBe('object');
  });
});
