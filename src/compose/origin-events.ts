import type { Config } from '../config.js';
import { schedulingOnRecord } from '../usecases/origin-watch.js';
import type { Logger, Services } from '../usecases/ports.js';

/** The server's SQS pollers of origin events, one per distinct `origin.queueUrl`, until `stop`. */
export interface OriginEventPollers {
  stop(): Promise<void>;
}

/** The region of an SQS queue URL (`https://sqs.<region>.amazonaws.com/…`), when it names one. */
export function queueRegion(queueUrl: string): string | undefined {
  return /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com\//.exec(queueUrl)?.[1];
}

/**
 * Starts long-polling each queue the config names (the SQS SDK loads only then). Each recorded batch makes
 * its buckets' watch tasks due when their quiet periods can end. The SDK takes its endpoint from
 * AWS_ENDPOINT_URL_SQS when set (a stand-in).
 */
export async function startOriginEventPollers(
  config: Pick<Config, 'policy' | 'awsRegion'>,
  services: Pick<Services, 'originChanges' | 'work' | 'policy' | 'clock'>,
  logger: Logger,
): Promise<OriginEventPollers> {
  const queueUrls = [
    ...new Set(
      config.policy.distributions.flatMap(({ origin }) => (origin?.queueUrl ? [origin.queueUrl] : [])),
    ),
  ];
  if (queueUrls.length === 0) return { stop: async () => {} };
  const [{ SQSClient }, { SqsOriginEvents }] = await Promise.all([
    import('@aws-sdk/client-sqs'),
    import('../adapters/aws/sqs-events.js'),
  ]);
  const abort = new AbortController();
  const changes = schedulingOnRecord(services.originChanges, services);
  const clients = queueUrls.map(
    (queueUrl) =>
      new SQSClient({
        region: queueRegion(queueUrl) ?? config.awsRegion ?? 'us-east-1',
        // A long poll waits up to 20 s: the socket must outlast it.
        requestHandler: { requestTimeout: 30_000 },
      }),
  );
  const runs = queueUrls.map((queueUrl, index) => {
    const sqs = clients[index];
    if (!sqs) throw new Error('a client per queue');
    logger.info('origin events: polling the queue', { queueUrl });
    return new SqsOriginEvents(sqs, changes, services.clock, logger, { queueUrl }).run(abort.signal);
  });
  return {
    stop: async () => {
      abort.abort();
      await Promise.allSettled(runs);
      for (const client of clients) client.destroy();
    },
  };
}
