import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoadFigures, measure } from '../../bench/ack/load.js';
import type { BotProcess } from '../support/bot-process.js';
import { type Stack, startStack } from '../support/stack.js';
import { FULL, RELIABILITY_COMMAND, reportFigures, size } from './scale.js';

/**
 * Load: sustained `/invalidate` traffic at the highest rate this machine holds with p99 acknowledgement
 * under one second, then every acknowledged request accounted for in DynamoDB and carried through.
 * The rate is found by stepping up (each step a short paced run); the best step is then held.
 */

const CONNECTIONS = 20;
const P99_LIMIT_MS = 1_000;
const STEP_S = size(2, 10);
const HOLD_S = size(5, 60);
const RATES = FULL ? [25, 50, 100, 150, 200, 300, 400] : [10, 20, 40];

interface Step {
  rate: number;
  figures: LoadFigures;
  held: boolean;
}

describe('sustained /invalidate load', () => {
  let stack: Stack;
  let bot: BotProcess;
  let documents: DynamoDBDocumentClient;

  beforeAll(async () => {
    stack = await startStack({ cloudfront: { completeAfterMs: 1_000, enforceLimits: false } });
    bot = await stack.startBot({ LOG_LEVEL: 'warn' });
    documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: stack.dynamo.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
      }),
    );
  });
  afterAll(async () => {
    documents?.destroy();
    await stack?.close();
  });

  /** Every request item in the table (paginated: a scan answers at most 1 MB at a time). */
  async function requests(): Promise<Array<{ status: string; paths: string[] }>> {
    const found: Array<{ status: string; paths: string[] }> = [];
    for await (const page of paginateScan({ client: documents }, { TableName: stack.tableName })) {
      for (const item of page.Items ?? []) {
        if (String(item.pk).startsWith('REQ#'))
          found.push({ status: item.status, paths: item.request.paths });
      }
    }
    return found;
  }

  const paced = (rate: number, durationS: number) =>
    measure({
      url: bot.url,
      secret: stack.secret,
      slackUrl: stack.slack.url,
      connections: CONNECTIONS,
      durationS,
      rate,
    });
  const holds = (figures: LoadFigures) =>
    figures.p99Ms < P99_LIMIT_MS && figures.non2xx === 0 && figures.errors === 0;

  it('holds the highest sustainable rate with p99 ack under 1 s, and records every acknowledged request', async () => {
    const steps: Step[] = [];
    for (const rate of RATES) {
      const figures = await paced(rate, STEP_S);
      steps.push({ rate, figures, held: holds(figures) });
      if (!holds(figures)) break;
    }
    const best = steps.filter((s) => s.held).at(-1);
    expect(best, `no rate held p99 < 1 s: ${JSON.stringify(steps)}`).toBeDefined();
    const rate = best?.rate ?? 0;
    const hold = await paced(rate, HOLD_S);
    expect(hold.non2xx).toBe(0);
    expect(hold.errors).toBe(0);
    expect(hold.p99Ms).toBeLessThan(P99_LIMIT_MS);
    // The paced run kept to its rate: at least 90% of what was asked for was answered.
    expect(hold.responses).toBeGreaterThanOrEqual(Math.floor(rate * HOLD_S * 0.9));

    const runs = [...steps.map((s) => s.figures), hold];
    const acknowledged = runs.reduce((sum, f) => sum + f.responses - f.non2xx, 0);
    const sent = runs.reduce((sum, f) => sum + f.sent, 0);
    // Every acknowledged command is on record (commands still unanswered when a run stopped may be too),
    // each once, and each is carried through to completion.
    let recorded = await requests();
    const deadline = Date.now() + size(60_000, 300_000);
    while (recorded.some((r) => r.status !== 'completed') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      recorded = await requests();
    }
    const paths = recorded.flatMap((r) => r.paths);
    expect(recorded.length).toBeGreaterThanOrEqual(acknowledged);
    expect(recorded.length).toBeLessThanOrEqual(sent);
    expect(new Set(paths).size).toBe(paths.length);
    expect(recorded.filter((r) => r.status !== 'completed')).toEqual([]);
    expect(stack.cloudfront.createdCount()).toBe(recorded.length);
    expect(bot.logs.filter((line) => /"level":"error"/.test(line))).toEqual([]);

    const row = (label: string, f: LoadFigures) =>
      `| ${label} | ${f.responses} | ${f.p50Ms.toFixed(1)} | ${f.p99Ms.toFixed(1)} | ${f.maxMs.toFixed(1)} | ${f.non2xx + f.errors} |`;
    reportFigures(
      'Load: sustained /invalidate traffic',
      `Suite \`test/reliability/load.test.ts\`, command \`${RELIABILITY_COMMAND}\`, ${new Date().toISOString().slice(0, 10)}.
One bot process (as \`npm start\` runs it) on a 2-core machine, sharing it with dynalite, the local Slack and
CloudFront servers and the load generator (autocannon, ${CONNECTIONS} connections, paced). Each command is a
signed \`/invalidate docs /bench/<n>.html\` that needs no approval, so each one is recorded, carded,
submitted to CloudFront, polled and announced. The rate was stepped up ${STEP_S} s at a time until p99
acknowledgement reached 1 s (or a request failed), then the highest step that held was sustained for ${HOLD_S} s.

| Run | Acknowledged | p50 ms | p99 ms | max ms | Failed |
| --- | ---: | ---: | ---: | ---: | ---: |
${steps.map((s) => row(`step ${s.rate}/s${s.held ? '' : ' (did not hold)'}`, s.figures)).join('\n')}
${row(`**held ${rate}/s for ${HOLD_S} s**`, hold)}

- Sent: ${sent}; acknowledged before a run ended: ${acknowledged}. On record in DynamoDB: ${recorded.length}, each path once; completed: ${
        recorded.filter((r) => r.status === 'completed').length
      }. CloudFront invalidations created: ${stack.cloudfront.createdCount()}. Error lines in the bot's log: 0.
`,
    );
  });
});
