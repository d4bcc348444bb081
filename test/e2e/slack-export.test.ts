import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackSender } from '../../src/standins/slack-requests.js';
import { runAuditCli } from '../support/audit-cli.js';
import type { BotProcess } from '../support/bot-process.js';
import type { SharedFile } from '../support/slack-standin.js';
import { DISTRIBUTIONS, type Stack, startStack, testConfig, USERS } from '../support/stack.js';

const AUDITOR = 'UAUDIT0001';
/** The DM the Slack stand-in opens with a user: `D` and the user id after its `U`. */
const dmOf = (user: string) => `D${user.slice(1)}`;

describe('/invalidate export: the audit export as files in a DM, end to end', () => {
  let stack: Stack;
  let bot: BotProcess;
  let slack: SlackSender;
  const month = new Date().toISOString().slice(0, 7);
  const [year = 0, monthNumber = 1] = month.split('-').map(Number);
  const until = `${month}-${String(new Date(Date.UTC(year, monthNumber, 0)).getUTCDate()).padStart(2, '0')}`;

  const audit = (args: string[]) => runAuditCli(stack.cwd, stack.env, args);
  /** What `npm run audit` prints for this month. */
  const cliExport = async (args: string[]) => {
    const result = await audit(['--since', `${month}-01`, '--until', until, ...args]);
    expect(result.status, result.stderr).toBe(0);
    return result.stdout;
  };
  /** The export's acknowledgement, then the files (or the message) it sends to `user`'s DM. */
  const exportAs = async (user: string, text: string) => {
    const filesBefore = stack.slack.files.length;
    const answer = await slack.command(user, text);
    return { answer: answer.text, filesBefore };
  };
  const filesIn = (user: string, from: number): SharedFile[] =>
    stack.slack.files.slice(from).filter((file) => file.channel === dmOf(user));
  const responseAfter = async (before: number) =>
    JSON.stringify((await stack.slack.waitFor(() => stack.slack.responses[before])).body);
  const completions = () =>
    stack.slack.messages.filter((m) => m.thread_ts !== undefined && m.text.includes('completed in'));

  beforeAll(async () => {
    const base = testConfig();
    stack = await startStack({ config: { ...base, auditors: { users: [AUDITOR] } } });
    bot = await stack.startBot();
    slack = stack.sender(bot);
    // web: needs approval for a wildcard (approvers: the on-call group and the lead); docs: never.
    await slack.command(USERS.requester, 'docs /guide.html --reason =SUM(A1), "quoted"');
    await slack.command(USERS.requester, 'web /index.html');
    await slack.command(USERS.requester, 'web /assets/*');
    // refused for the channel it was typed in: an authorization refusal in the export
    await slack.command(USERS.requester, 'locked /x.html', 'COTHER0001');
    await stack.slack.waitFor(() => completions().length >= 2, 30_000);
    // the completion notices are recorded once posted: let the last writes land
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('sends an auditor the files npm run audit makes for the month, every distribution and the refusals', async () => {
    const { answer, filesBefore } = await exportAs(AUDITOR, `export json ${month}`);
    expect(answer).toContain(`Preparing the export of ${month}`);
    const files = await stack.slack.waitFor(() => {
      const sent = filesIn(AUDITOR, filesBefore);
      return sent.length === 3 && sent;
    });
    const byName = new Map(files.map((file) => [file.filename, file.content.toString('utf8')]));
    expect([...byName.keys()].sort()).toEqual([
      `invalidator-audit-${month}-refusals.json`,
      `invalidator-audit-${month}-requests.json`,
      `invalidator-audit-${month}.json`,
    ]);
    expect(byName.get(`invalidator-audit-${month}.json`)).toBe(await cliExport(['--format', 'json']));
    expect(byName.get(`invalidator-audit-${month}-requests.json`)).toBe(
      await cliExport(['--format', 'json', '--rows', 'requests']),
    );
    const refusals = byName.get(`invalidator-audit-${month}-refusals.json`) ?? '';
    expect(refusals).toBe(await cliExport(['--format', 'json', '--rows', 'refusals']));
    expect(refusals).toContain('channel_not_allowed');
    const events = JSON.parse(byName.get(`invalidator-audit-${month}.json`) ?? '[]') as unknown[];
    expect(files[0]?.initial_comment).toContain(`${events.length} events, 3 requests, 1 refusals`);
    expect(files[0]?.initial_comment).toContain('Every distribution');
  });

  it('sends an approver only the rows of the distributions they approve, in CSV by default', async () => {
    // UONCALL001 is in the on-call group, which approves web alone.
    const { answer, filesBefore } = await exportAs(USERS.oncall, 'export');
    expect(answer).toContain(`Preparing the export of ${month}`);
    const files = await stack.slack.waitFor(() => {
      const sent = filesIn(USERS.oncall, filesBefore);
      return sent.length === 2 && sent;
    });
    const events = files.find((file) => file.filename === `invalidator-audit-${month}.csv`);
    const requests = files.find((file) => file.filename === `invalidator-audit-${month}-requests.csv`);
    expect(events?.content.toString('utf8')).toBe(
      await cliExport(['--format', 'csv', '--distribution', 'web']),
    );
    expect(requests?.content.toString('utf8')).toBe(
      await cliExport(['--format', 'csv', '--rows', 'requests', '--distribution', 'web']),
    );
    const rows = parse(events?.content.toString('utf8') ?? '', { columns: true }) as Array<
      Record<string, string>
    >;
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((row) => row.distributionId))).toEqual(new Set([DISTRIBUTIONS.web]));
    expect(events?.initial_comment).toContain('Only the distributions you approve: `web`');
  });

  it('refuses someone who is neither an auditor nor an approver, and uploads nothing', async () => {
    const uploadsBefore = stack.slack.callsTo('files.getUploadURLExternal').length;
    const responsesBefore = stack.slack.responses.length;
    const { filesBefore } = await exportAs(USERS.outsider, 'export csv');
    expect(await responseAfter(responsesBefore)).toContain('Only auditors (config `auditors`) and approvers');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(stack.slack.files.length).toBe(filesBefore);
    expect(stack.slack.callsTo('files.getUploadURLExternal').length).toBe(uploadsBefore);
  });

  it.each([
    ['a mistyped format', `export ${month} jsn`, 'Did you mean `json`?'],
    ['a month that does not exist', 'export 2026-13', 'is neither a month'],
    ['two formats', 'export csv json', 'Usage: `/invalidate export [YYYY-MM] [csv|json]`'],
  ])('answers %s with the usage, and sends nothing', async (_, text, expected) => {
    const { answer, filesBefore } = await exportAs(AUDITOR, text);
    expect(answer).toContain(expected);
    expect(answer).toContain('/invalidate export [YYYY-MM] [csv|json]');
    expect(stack.slack.files.length).toBe(filesBefore);
  });

  it('says so in the DM when the month has no rows, instead of sending empty files', async () => {
    const before = stack.slack.messages.length;
    await exportAs(AUDITOR, 'export 2020-01');
    const message = await stack.slack.waitFor(() =>
      stack.slack.messages.slice(before).find((m) => m.channel === dmOf(AUDITOR)),
    );
    expect(message.text).toContain('Nothing was recorded');
    expect(message.text).toContain('2020-01');
  });

  it('tells the person when Slack refuses the upload', async () => {
    stack.slack.inject({ method: 'files.completeUploadExternal', error: 'internal_error' });
    const responsesBefore = stack.slack.responses.length;
    const { filesBefore } = await exportAs(AUDITOR, 'export');
    const told = await responseAfter(responsesBefore);
    expect(told).toContain(`could not send you the export of ${month}`);
    expect(told).toContain('internal_error');
    expect(stack.slack.files.length).toBe(filesBefore);
  });
});
