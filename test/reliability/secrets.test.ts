import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL, type SlackAnswer, type SlackSender, TEAM } from '../../src/standins/slack-requests.js';
import type { StoredMessage } from '../../src/standins/slack-standin.js';
import { type BotProcess, REPO_ROOT, SERVER_ENTRYPOINT, writeConfig } from '../support/bot-process.js';
import { DISTRIBUTIONS, requestIdOf, type Stack, startStack, USERS } from '../support/stack.js';
import { RELIABILITY_COMMAND, reportFigures, size } from './scale.js';

const ROUNDS = size(1, 3);
const ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';

/** 20 random characters that appear nowhere else: a fragment of them anywhere is a leak. */
function core(): string {
  return [...randomBytes(20)].map((byte) => ALPHABET[byte % ALPHABET.length]).join('');
}

interface Secret {
  name: string;
  value: string;
  prefix: string;
  marker: string;
  core: string;
}

function secret(name: string, prefix: string, marker: string): Secret {
  const random = core();
  return { name, value: `${prefix}${marker}${random}`, prefix, marker, core: random };
}

const SECRETS = {
  botToken: secret('bot token', 'xoxb-', 'SECRETBOT-'),
  signingSecret: secret('signing secret', '', 'SIGNSECRET'),
  appToken: secret('app token', 'xapp-', 'SECRETAPP-'),
  awsSecret: secret('AWS secret access key', '', 'AWSSECRET'),
};

/**
 * What counts as a leak of a secret: the value, the value without its prefix, its distinctive marker, its
 * random part or either half of it, and the value in base64 (Basic auth, a dumped buffer) or URL-encoded.
 */
function needles(s: Secret): string[] {
  const encoded = Buffer.from(s.value);
  return [
    s.value,
    s.value.slice(s.prefix.length),
    s.marker.replace(/-$/, ''),
    s.core,
    s.core.slice(0, 10),
    s.core.slice(-10),
    encoded.toString('base64'),
    encoded.toString('base64url'),
    encodeURIComponent(s.value),
  ].map((needle) => needle.toLowerCase());
}

/** Every place a secret or a fragment of one shows up in `texts`. */
function leaksIn(texts: readonly string[]): Array<{ secret: string; needle: string; text: string }> {
  const found: Array<{ secret: string; needle: string; text: string }> = [];
  for (const text of texts) {
    const haystack = text.toLowerCase();
    for (const s of Object.values(SECRETS)) {
      const needle = needles(s).find((n) => haystack.includes(n));
      if (needle) found.push({ secret: s.name, needle, text: text.slice(0, 300) });
    }
  }
  return found;
}

const APPROVE = 'invalidator.approve';
const DENY = 'invalidator.deny';

describe('secrets: no token or secret in any log, message, audit event, answer or error text', () => {
  let stack: Stack;
  let slack: SlackSender;
  const bots: BotProcess[] = [];
  const answers: string[] = [];
  const errorTexts: string[] = [];
  const exports: string[] = [];
  const scenarios: string[] = [];

  const keep = async (answer: Promise<SlackAnswer>) => {
    const got = await answer;
    answers.push(got.text);
    return got;
  };
  const startBot = async (env: Record<string, string> = {}) => {
    const bot = await stack.startBot({ LOG_LEVEL: 'debug', ...env });
    bots.push(bot);
    return bot;
  };
  const newCard = async (before: Set<string>) =>
    stack.slack.waitFor(() => stack.slack.messages.find((m) => !m.thread_ts && !before.has(m.ts)), 20_000);
  const cardsNow = () => new Set(stack.slack.messages.map((m) => m.ts));
  const threadSays = (card: StoredMessage, fragment: string) =>
    stack.slack.waitFor(
      () => stack.slack.threadReplies(card.channel, card.ts).find((m) => m.text.includes(fragment)),
      20_000,
    );
  const cardSays = (card: StoredMessage, fragment: string) =>
    stack.slack.waitFor(() => stack.slack.message(card.channel, card.ts)?.text.includes(fragment), 20_000);
  const request = async (text: string, user: string = USERS.requester, channel = CHANNEL) => {
    const before = cardsNow();
    await keep(slack.command(user, text, channel));
    return newCard(before);
  };
  const run = (args: string[], env: Record<string, string>, cwd = stack.cwd, entry = SERVER_ENTRYPOINT) =>
    new Promise<{ status: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, [entry, ...args], {
        cwd,
        env: {
          PATH: process.env.PATH ?? '',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          ...env,
        },
      });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
      });
      child.on('close', (status) => resolve({ status, output }));
    });

  /** Requests submitted, approved, denied with a reason; CloudFront and Slack failures. */
  async function requestScenarios(round: number): Promise<void> {
    const submitted = await request(`docs /secrets/${round}/submitted.html`);
    await threadSays(submitted, 'completed in');

    const approved = await request(`web /secrets/${round}/approved/*`);
    const answered = stack.slack.responses.length;
    await keep(slack.click(USERS.requester, APPROVE, requestIdOf(approved.text)));
    // The refusal is answered after the ack: the lead's approval may only follow it, or the click finds
    // the request approved already and nothing is refused.
    await stack.slack.waitFor(() =>
      stack.slack.responses.slice(answered).some((r) => JSON.stringify(r.body).includes('your own request')),
    );
    await keep(slack.click(USERS.lead, APPROVE, requestIdOf(approved.text)));
    await threadSays(approved, 'completed in');

    const denied = await request(`web /secrets/${round}/denied/*`);
    const deniedId = requestIdOf(denied.text);
    await keep(slack.click(USERS.lead, DENY, deniedId));
    await stack.slack.waitFor(() => stack.slack.views.some((v) => JSON.stringify(v.view).includes(deniedId)));
    await keep(slack.submitDeny(USERS.lead, deniedId, `round ${round}: "not now", try after the freeze`));
    await cardSays(denied, 'Denied');

    stack.cloudfront.inject({
      operation: 'create',
      code: 'AccessDenied',
      distributionId: DISTRIBUTIONS.docs,
    });
    await threadSays(await request(`docs /secrets/${round}/access-denied.html`), 'failed');

    stack.cloudfront.inject({
      operation: 'create',
      code: 'Throttling',
      times: 2,
      distributionId: DISTRIBUTIONS.docs,
    });
    await threadSays(await request(`docs /secrets/${round}/throttled.html`), 'completed in');

    stack.slack.inject({ method: 'chat.postMessage', status: 429, retryAfterSeconds: 1 });
    await threadSays(await request(`docs /secrets/${round}/slack-429.html`), 'completed in');

    const notice500 = await request(`docs /secrets/${round}/slack-500.html`);
    stack.slack.inject({ method: 'chat.postMessage', status: 500, times: 3, channel: notice500.channel });
    await threadSays(notice500, 'completed in');

    const responses = stack.slack.responses.length;
    stack.slack.inject({ method: 'chat.postMessage', error: 'not_in_channel', channel: 'CNOTMEMBER' });
    await keep(slack.command(USERS.requester, `docs /secrets/${round}/not-in-channel.html`, 'CNOTMEMBER'));
    await stack.slack.waitFor(() =>
      stack.slack.responses
        .slice(responses)
        .some((r) => JSON.stringify(r.body).includes('/invite @Invalidator')),
    );
    if (round === 1) {
      scenarios.push(
        `requests submitted, approved (after a refused self-approval) and denied with a reason; CloudFront AccessDenied and Throttling; Slack 429, 500 and not_in_channel (${ROUNDS} round${ROUNDS === 1 ? '' : 's'})`,
      );
    }
  }

  /** status, list, usage, the App Home tab, and refusals of both kinds. */
  async function reportScenarios(id: string): Promise<void> {
    const responses = stack.slack.responses.length;
    for (const text of [
      `status ${id}`,
      'list',
      'list docs mine',
      'usage',
      'help',
      'locked /secrets/elsewhere.html',
    ])
      await keep(slack.command(USERS.requester, text));
    await keep(
      slack.event({ type: 'app_home_opened', user: USERS.requester, channel: 'D0HOME', tab: 'home' }),
    );
    await stack.slack.waitFor(() => stack.slack.responses.length >= responses + 4);
    await stack.slack.waitFor(() => stack.slack.views.some((v) => v.kind === 'publish'));
    scenarios.push('status, list, list docs mine, usage, help, a refused channel, the App Home tab');
  }

  beforeAll(async () => {
    stack = await startStack({
      credentials: {
        botToken: SECRETS.botToken.value,
        signingSecret: SECRETS.signingSecret.value,
        awsAccessKeyId: 'AKIDSECRETSTEST',
        awsSecretAccessKey: SECRETS.awsSecret.value,
      },
      slack: { appToken: SECRETS.appToken.value, memberChannels: [CHANNEL, 'CLOCKED001'] },
    });
    slack = stack.sender(await startBot());

    for (let round = 1; round <= ROUNDS; round++) await requestScenarios(round);
    const first = stack.slack.messages.find((m) => !m.thread_ts);
    await reportScenarios(requestIdOf(first?.text ?? ''));

    // DynamoDB down: the requester is told nothing was recorded; /healthz says 503.
    stack.dynamoProxy.cut();
    try {
      await keep(slack.command(USERS.requester, 'docs /secrets/db-down.html'));
      const health = await fetch(`${bots[0]?.url}/healthz`);
      answers.push(await health.text());
    } finally {
      stack.dynamoProxy.restore();
    }
    scenarios.push('DynamoDB unreachable: a command answered, /healthz 503');

    // A crash right after a request was recorded, and a restart that finishes it.
    const before = cardsNow();
    await keep(slack.command(USERS.requester, 'docs /secrets/crash.html'));
    await bots[0]?.stop('SIGKILL');
    slack = stack.sender(await startBot());
    await threadSays(await newCard(before), 'completed in');
    scenarios.push('a crash (SIGKILL) right after a request, and a restart that completes it');

    // Socket Mode, authenticated by the app token; the signing secret is set too.
    await startBot({ SLACK_APP_TOKEN: SECRETS.appToken.value });
    await stack.slack.waitFor(() => stack.slack.socketConnected());
    const payload = (text: string, n: number) => ({
      token: 'verification-token-unused',
      team_id: TEAM,
      team_domain: 'test',
      channel_id: CHANNEL,
      channel_name: 'deploys',
      user_id: USERS.requester,
      user_name: USERS.requester.toLowerCase(),
      command: '/invalidate',
      text,
      api_app_id: 'A0TEST',
      is_enterprise_install: 'false',
      response_url: stack.slack.responseUrl(`socket-${n}`),
      trigger_id: `trigger-socket-${n}`,
    });
    const socketBefore = cardsNow();
    answers.push(
      JSON.stringify(await stack.slack.socketSend('slash_commands', payload('docs /secrets/socket.html', 1))),
    );
    await threadSays(await newCard(socketBefore), 'completed in');
    answers.push(JSON.stringify(await stack.slack.socketSend('slash_commands', payload('usage', 2))));
    scenarios.push('Socket Mode: a request over a slash_commands envelope, and usage');

    for (const bot of bots) await bot.stop('SIGTERM');

    // Start-up failures: a token Slack rejects, and an invalid config file; the tokens are set in both.
    const revoked = `${SECRETS.botToken.value}REVOKED`;
    await stack.startBot({ SLACK_BOT_TOKEN: revoked }).then(
      (bot) => bots.push(bot),
      (error: Error) => errorTexts.push(error.message),
    );
    const badConfig = writeConfig({ distributions: { web: { id: 'not-an-id', aproval: 'never' } } });
    const configError = await run([], { ...stack.env, SLACK_APP_TOKEN: SECRETS.appToken.value }, badConfig);
    expect(configError.status).toBe(1);
    errorTexts.push(configError.output);
    scenarios.push('start-up with a token Slack rejects, and with an invalid config file');

    // The audit export, run with the same environment as the bot.
    const audit = join(REPO_ROOT, 'dist/entrypoints/audit-cli.js');
    for (const args of [
      ['--format', 'csv'],
      ['--rows', 'refusals', '--format', 'json'],
      ['--rows', 'requests', '--format', 'json'],
    ]) {
      const result = await run(args, stack.env, stack.cwd, audit);
      expect(result.status, result.output).toBe(0);
      exports.push(result.output);
    }
  }, 600_000);
  afterAll(async () => {
    if (process.env.DEBUG_BOT_LOGS) console.log(bots.flatMap((bot) => bot.logs.slice(-20)).join('\n'));
    await stack?.close();
  });

  const logLines = () => [
    ...bots.flatMap((bot) => bot.logs),
    ...errorTexts.flatMap((text) => text.split('\n')),
  ];
  const slackBodies = () => [
    ...stack.slack.calls.map((call) => JSON.stringify(call.args)),
    ...stack.slack.messages.map((message) => JSON.stringify(message)),
    ...stack.slack.ephemerals.map((message) => JSON.stringify(message)),
    ...stack.slack.views.map((view) => JSON.stringify(view)),
    ...stack.slack.responses.map((response) => JSON.stringify(response.body)),
  ];

  it('would notice a leak: the needles match the token the bot sends in its Authorization header', () => {
    const tokens = stack.slack.calls.flatMap((call) => (call.token ? [call.token] : []));
    expect(tokens).toContain(SECRETS.botToken.value);
    expect(tokens).toContain(SECRETS.appToken.value);
    expect(leaksIn([SECRETS.botToken.value.slice(5)])).toHaveLength(1);
    expect(leaksIn([`x=${Buffer.from(SECRETS.signingSecret.value).toString('base64')}`])).toHaveLength(1);
    expect(leaksIn([SECRETS.awsSecret.core.slice(-10).toLowerCase()])).toHaveLength(1);
  });

  it('keeps them out of every log line and error text', () => {
    expect(logLines().length).toBeGreaterThan(100);
    expect(leaksIn(logLines())).toEqual([]);
    expect(errorTexts.join('\n')).toContain('invalid_auth');
    expect(errorTexts.join('\n')).toContain('distributions.web.id must be a CloudFront distribution id');
  });

  it('keeps them out of every Slack message and Web API call body', () => {
    expect(leaksIn(slackBodies())).toEqual([]);
  });

  it('keeps them out of every DynamoDB item and the audit export', async () => {
    const items = (await stack.items()).map((item) => JSON.stringify(item));
    expect(items.some((item) => item.includes('"refused"'))).toBe(true);
    expect(leaksIn(items)).toEqual([]);
    expect(leaksIn(exports)).toEqual([]);
  });

  it('keeps them out of every answer the bot gave, and out of what CloudFront was sent', () => {
    expect(leaksIn(answers)).toEqual([]);
    expect(leaksIn(stack.cloudfront.calls.map((call) => JSON.stringify(call)))).toEqual([]);
  });

  it('reports what was scanned', async () => {
    const items = (await stack.items()).map((item) => JSON.stringify(item));
    const slackMessages = [
      ...stack.slack.messages,
      ...stack.slack.ephemerals,
      ...stack.slack.views,
      ...stack.slack.responses.map((response) => response.body),
    ].map((message) => JSON.stringify(message));
    const surfaces: Array<[string, string[]]> = [
      [
        `Bot log lines (stdout and stderr of ${bots.length} bot processes) and start-up error texts`,
        logLines(),
      ],
      [
        'Slack Web API call bodies (the token travels in the Authorization header, not scanned)',
        stack.slack.calls.map((call) => JSON.stringify(call.args)),
      ],
      ['Slack messages, ephemerals, views and response_url posts as stored', slackMessages],
      ['DynamoDB items (requests with their audit events, refusals, tasks)', items],
      ['HTTP and Socket Mode answers of the bot (and /healthz)', answers],
      ['Audit export lines (CSV events, refusals, requests)', exports.join('').split('\n')],
      ['CloudFront calls as received', stack.cloudfront.calls.map((call) => JSON.stringify(call))],
    ];
    const rows = surfaces.map(([what, texts]) => `| ${what} | ${texts.length} | ${leaksIn(texts).length} |`);
    const redacted = logLines().filter((line) => line.includes('[redacted]')).length;
    expect(items.length).toBeGreaterThan(0);
    reportFigures(
      'Secrets',
      `Suite: \`test/reliability/secrets.test.ts\`. Command: \`${RELIABILITY_COMMAND}\` (this suite alone:
\`RELIABILITY=full npx vitest run test/reliability/secrets.test.ts\`). Bots run as \`npm start\` runs them, at
\`LOG_LEVEL=debug\`.

The stack ran with distinctive values: bot token \`xoxb-SECRETBOT-<20 random>\`, signing secret
\`SIGNSECRET<20 random>\`, app token \`xapp-SECRETAPP-<20 random>\` (a Socket Mode bot), AWS secret access key
\`AWSSECRET<20 random>\`. A leak is any of: the value, the value without its prefix, the marker word
(SECRETBOT, SIGNSECRET, SECRETAPP, AWSSECRET), the random part or either half of it, the value in base64 or
URL-encoded; matched case-insensitively.

Scenarios:
${scenarios.map((scenario) => `- ${scenario}`).join('\n')}

| Scanned | Count | Leaks |
| --- | ---: | ---: |
${rows.join('\n')}

Log lines in which the logger's redaction (\`src/adapters/system/logger.ts\`) replaced something: ${redacted}
(a secret that reached the logger would show there as \`[redacted]\`).`,
    );
  });
});
