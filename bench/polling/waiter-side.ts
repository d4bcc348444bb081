import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import type { CloudFrontStandIn } from '../../src/standins/cloudfront-standin.js';
import type { PlannedRequest } from './bot-side.js';
import { type CallCounts, countCalls } from './bot-side.js';
import { inPool } from './stats.js';
import { CLI_WAITER, type WaiterOutcome, waitInvalidationCompleted } from './waiter.js';

export interface WaiterSideResult {
  createFailures: string[];
  invalidationsCreated: number;
  calls: CallCounts;
  /** GetInvalidation calls made at once after the create (the CLI's first attempt), and the rest */
  immediateCalls: number;
  laterCalls: number;
  /** immediate first calls that already saw Completed (0 means dropping them would change no lag) */
  immediateCompleted: number;
  outcomes: Record<WaiterOutcome['result'], number>;
  errors: string[];
  /** per invalidation the waiter saw Completed: that moment − the stand-in's completedAt */
  lagsMs: number[];
  lastSeenAt: number;
}

/**
 * The baseline: the same 200 invalidations made directly with CreateInvalidation (through the real SDK),
 * each followed by its own CLI-style waiter, all against a CloudFront stand-in of their own.
 */
export async function runWaiterSide(
  standIn: CloudFrontStandIn,
  plan: readonly PlannedRequest[],
  options: { concurrency: number; signal: AbortSignal },
): Promise<WaiterSideResult> {
  const client = new CloudFrontClient({
    region: 'us-east-1',
    endpoint: standIn.url,
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
    // The SDK default, as the bot runs; the stand-in counts every call that reaches it, retries included.
    maxAttempts: 3,
  });
  const createFailures: string[] = [];
  const waiting: Array<Promise<{ invalidationId: string; outcome: WaiterOutcome }>> = [];
  try {
    await inPool(plan, options.concurrency, async (request) => {
      try {
        const output = await client.send(
          new CreateInvalidationCommand({
            DistributionId: request.distributionId,
            InvalidationBatch: {
              CallerReference: `waiter-${request.n}`,
              Paths: { Quantity: 1, Items: [request.path] },
            },
          }),
        );
        const invalidationId = output.Invalidation?.Id;
        if (invalidationId === undefined) throw new Error('no invalidation id in the answer');
        const target = { distributionId: request.distributionId, invalidationId };
        waiting.push(
          waitInvalidationCompleted(client, target, options.signal, CLI_WAITER).then((outcome) => ({
            invalidationId,
            outcome,
          })),
        );
      } catch (error) {
        createFailures.push(`${request.path}: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
    const settled = await Promise.all(waiting);
    return analyse(standIn, settled, createFailures);
  } finally {
    client.destroy();
  }
}

function analyse(
  standIn: CloudFrontStandIn,
  settled: ReadonlyArray<{ invalidationId: string; outcome: WaiterOutcome }>,
  createFailures: string[],
): WaiterSideResult {
  const completedAt = new Map(
    standIn.invalidations().map((inv) => [inv.id, inv.completedAt?.getTime()] as const),
  );
  const outcomes: WaiterSideResult['outcomes'] = { completed: 0, gave_up: 0, error: 0, aborted: 0 };
  const lagsMs: number[] = [];
  const errors: string[] = [];
  let immediateCalls = 0;
  let laterCalls = 0;
  let immediateCompleted = 0;
  let lastSeenAt = 0;
  for (const { invalidationId, outcome } of settled) {
    outcomes[outcome.result] += 1;
    if (outcome.attempts > 0) immediateCalls += 1;
    laterCalls += Math.max(0, outcome.attempts - 1);
    if (outcome.firstCallCompleted) immediateCompleted += 1;
    if (outcome.error) errors.push(outcome.error);
    const done = completedAt.get(invalidationId);
    if (outcome.completedSeenAt !== undefined && done !== undefined) {
      lagsMs.push(outcome.completedSeenAt - done);
      lastSeenAt = Math.max(lastSeenAt, outcome.completedSeenAt);
    }
  }
  return {
    createFailures,
    invalidationsCreated: standIn.createdCount(),
    calls: countCalls(standIn.calls),
    immediateCalls,
    laterCalls,
    immediateCompleted,
    outcomes,
    errors,
    lagsMs,
    lastSeenAt,
  };
}
