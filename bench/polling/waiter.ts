import { type CloudFrontClient, GetInvalidationCommand } from '@aws-sdk/client-cloudfront';

/**
 * The AWS CLI's `aws cloudfront wait invalidation-completed`, as botocore runs it (botocore/waiter.py,
 * `Waiter.wait`, with the CloudFront waiter model's `delay: 20, maxAttempts: 30`): GetInvalidation at once,
 * then again every 20 s until Completed, at most 30 calls (about 10 minutes), then it gives up. An error
 * answer fails the wait. One waiter per invalidation, as every deploy script that uses it runs one.
 */
export const CLI_WAITER = { delayMs: 20_000, maxAttempts: 30 } as const;

export interface WaiterOutcome {
  /** GetInvalidation calls made, the immediate first one included */
  attempts: number;
  /** whether the immediate first call (before any delay) already saw Completed */
  firstCallCompleted: boolean;
  /** epoch ms when the answer saying Completed arrived */
  completedSeenAt?: number;
  result: 'completed' | 'gave_up' | 'error' | 'aborted';
  error?: string;
}

export async function waitInvalidationCompleted(
  client: CloudFrontClient,
  target: { distributionId: string; invalidationId: string },
  signal: AbortSignal,
  options: { delayMs: number; maxAttempts: number } = CLI_WAITER,
): Promise<WaiterOutcome> {
  let attempts = 0;
  let firstCallCompleted = false;
  for (;;) {
    if (signal.aborted) return { attempts, firstCallCompleted, result: 'aborted' };
    let status: string | undefined;
    try {
      attempts += 1;
      const output = await client.send(
        new GetInvalidationCommand({ DistributionId: target.distributionId, Id: target.invalidationId }),
      );
      status = output.Invalidation?.Status;
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return { attempts, firstCallCompleted, result: signal.aborted ? 'aborted' : 'error', error: message };
    }
    if (status === 'Completed') {
      if (attempts === 1) firstCallCompleted = true;
      return { attempts, firstCallCompleted, completedSeenAt: Date.now(), result: 'completed' };
    }
    if (attempts >= options.maxAttempts) return { attempts, firstCallCompleted, result: 'gave_up' };
    if (!(await pause(options.delayMs, signal))) return { attempts, firstCallCompleted, result: 'aborted' };
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
