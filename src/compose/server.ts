import { BACKGROUND_IN_FLIGHT } from '../adapters/aws/dynamodb/call-priority.js';
import { createApi } from '../adapters/http/api.js';
import type { ApiHandler } from '../adapters/http/node-listener.js';
import { createSlackRuntime } from '../adapters/slack/app.js';
import { registerListeners } from '../adapters/slack/register.js';
import { watchDueTimes } from '../adapters/system/due-watch.js';
import { cachedCheck, HEALTH_CHECK_CACHE_MS } from '../adapters/system/health-cache.js';
import { IDLE_REST_MS, startWorkLoop, type WorkLoop } from '../adapters/system/work-loop.js';
import type { Config } from '../config.js';
import type { InvalidationRequest } from '../core/request.js';
import { scheduleDigest } from '../usecases/digest.js';
import { scheduleOriginWatch } from '../usecases/origin-watch.js';
import type { Logger, Metrics, Services } from '../usecases/ports.js';
import { scheduleReconciliation } from '../usecases/reconcile.js';
import { newSlackLane, runDueWork, WORK_BATCH } from '../usecases/run-due-work.js';
import { type OriginEventPollers, startOriginEventPollers } from './origin-events.js';
import { composeOriginListings } from './origin-listings.js';
import { composeServices } from './services.js';

export interface Runtime {
  services: Services;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The server: the Bolt app over HTTP or Socket Mode, and the in-process work loop. */
export async function compose(config: Config, logger: Logger, metrics?: Metrics): Promise<Runtime> {
  let loop: WorkLoop<InvalidationRequest> | undefined;
  let originEvents: OriginEventPollers | undefined;
  let ping: () => Promise<void> = async () => {};
  const health = cachedCheck(
    () =>
      ping().then(
        () => true,
        () => false,
      ),
    HEALTH_CHECK_CACHE_MS,
  );
  let api: ApiHandler | undefined;
  const slack = createSlackRuntime(config.slack, logger, health, () => api);
  const { services, close } = await composeServices(
    config,
    logger,
    { client: slack.app.client, postClient: slack.postClient },
    () => loop?.wake(),
    metrics,
    // The acknowledgements' DynamoDB calls go first: the work loop's wait for a place.
    { backgroundCalls: BACKGROUND_IN_FLIGHT },
  );
  ping = () => services.health.ping();
  const listings = composeOriginListings(config, services.originSnapshots);
  services.originListings = listings.listings;
  Object.assign(
    services,
    watchDueTimes(services, (at) => loop?.wakeAt(at)),
  );
  // Requests taken before the loop runs wait for it; their leases are written already.
  const early: InvalidationRequest[] = [];
  services.take = (request, at) => (loop ? loop.take(request, at) : early.push(request));
  registerListeners(slack.app, services, logger);
  api = createApi(services);
  // Kept across the loop's runs: a run does not wait for the Slack side of the one before.
  const slackLane = newSlackLane(services);
  return {
    services,
    start: async () => {
      await slack.start();
      await scheduleReconciliation(services);
      await scheduleDigest(services);
      await scheduleOriginWatch(services);
      originEvents = await startOriginEventPollers(config, services, logger);
      loop = startWorkLoop<InvalidationRequest>(
        async (taken, look) => {
          try {
            const ahead = { ms: IDLE_REST_MS, next: (at: string) => loop?.wakeAt(at) };
            return (await runDueWork(services, slackLane, ahead, { taken, look })) >= WORK_BATCH;
          } finally {
            // What a run counted goes out with it: a line only when something was counted.
            services.metrics.flush();
          }
        },
        { restMs: IDLE_REST_MS, logger },
      );
      for (const request of early.splice(0)) loop.take(request);
    },
    stop: async () => {
      await originEvents?.stop();
      await loop?.stop();
      await slackLane.idle();
      await slack.stop();
      listings.close();
      await close();
    },
  };
}
