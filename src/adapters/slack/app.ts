import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { App, type Logger as BoltLogger, HTTPReceiver, LogLevel, webApi } from '@slack/bolt';
import type { SlackConfig } from '../../config.js';
import type { Logger } from '../../usecases/ports.js';
import { type ApiHandler, apiListener } from '../http/node-listener.js';
import { screenedListener } from './inbound.js';

export interface SlackRuntime {
  app: App;
  /**
   * A client that never retries by itself, for chat.postMessage: a timed-out post may still have gone
   * through, so the retry belongs to the work queue, which looks at the channel first.
   */
  postClient: webApi.WebClient;
  start(): Promise<void>;
  stop(): Promise<void>;
}

// @slack/web-api retries 10 times over ~30 minutes by default and has no timeout; a retried
// chat.postMessage can post twice. A short timeout and two retries keep failures visible and rare.
export const CLIENT_OPTIONS = {
  timeout: 10_000,
  retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 3_000 },
};

const SLACK_EVENTS_ENDPOINT = '/slack/events';

/**
 * The Bolt app over HTTP (`POST /slack/events`, `GET /healthz`, the pipeline API under `/api/`) or Socket
 * Mode (then a small server for `/healthz` and the API); listeners are bound by register.ts.
 * `deferInitialization` keeps a bad token from killing the process on an unhandled rejection: `start`
 * runs `auth.test` and fails with a clear error instead.
 */
export function createSlackRuntime(
  config: SlackConfig,
  log: Logger,
  health: () => Promise<boolean>,
  api: () => ApiHandler | undefined = () => undefined,
): SlackRuntime {
  const logger = boltLogger(log);
  const clientOptions = config.apiUrl ? { ...CLIENT_OPTIONS, slackApiUrl: config.apiUrl } : CLIENT_OPTIONS;
  const postClient = new webApi.WebClient(config.botToken, {
    ...clientOptions,
    retryConfig: { retries: 0 },
    // A 429 fails at once with its Retry-After instead of pausing every call of the client.
    rejectRateLimitedCalls: true,
    logger,
  });
  const healthHandler = (_req: IncomingMessage, res: ServerResponse) => {
    health().then((ready) => {
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: ready }));
    });
  };
  if (config.mode === 'http') {
    const receiver = new HTTPReceiver({
      signingSecret: config.signingSecret,
      endpoints: SLACK_EVENTS_ENDPOINT,
      customRoutes: [{ path: '/healthz', method: ['GET'], handler: healthHandler }],
      logger,
    });
    // Bolt's server calls `requestListener` (public for this purpose) for every request: requests to the
    // endpoint are screened first (inbound.ts), everything else reaches Bolt untouched.
    // The pipeline API (`/api/…`) answers before Bolt, which knows nothing of it.
    receiver.requestListener = apiListener(
      api,
      screenedListener(receiver.requestListener, {
        endpoint: SLACK_EVENTS_ENDPOINT,
        signingSecret: config.signingSecret,
        logger: log,
      }),
    );
    const app = new App({
      receiver,
      token: config.botToken,
      deferInitialization: true,
      clientOptions,
      logger,
    });
    return {
      app,
      postClient,
      start: async () => {
        await app.init();
        await receiver.start({ port: config.port, host: config.host ?? '0.0.0.0' });
      },
      stop: () => receiver.stop(),
    };
  }
  // Bolt hands installerOptions.clientOptions (by default the clientOptions above) to the Socket Mode client,
  // whose one Web API call is apps.connections.open on every (re)connect. With CLIENT_OPTIONS' two retries, a
  // Slack blip of about 2 s during a routine reconnect (Slack sends `disconnect`/`refresh_requested`) rejected
  // a promise nobody handles, and the process died. Without a retryConfig, that client keeps its own reconnect
  // policy (100 retries, backing off); the call posts nothing, so retrying it is safe.
  // https://docs.slack.dev/apis/events-api/using-socket-mode
  const socketClientOptions = {
    timeout: CLIENT_OPTIONS.timeout,
    ...(config.apiUrl ? { slackApiUrl: config.apiUrl } : {}),
  };
  const app = new App({
    token: config.botToken,
    appToken: config.appToken,
    socketMode: true,
    deferInitialization: true,
    clientOptions,
    installerOptions: { clientOptions: socketClientOptions },
    logger,
  });
  let healthServer: Server | undefined;
  return {
    app,
    postClient,
    start: async () => {
      await app.init();
      await app.start();
      healthServer = createServer(
        apiListener(api, (req, res) =>
          req.url === '/healthz' ? healthHandler(req, res) : res.writeHead(404).end(),
        ),
      );
      await new Promise<void>((resolve) =>
        healthServer?.listen(config.port, config.host ?? '0.0.0.0', resolve),
      );
    },
    stop: async () => {
      await app.stop();
      await new Promise((resolve) => healthServer?.close(resolve) ?? resolve(undefined));
    },
  };
}

/** Bolt's log lines into the project's JSON logger (and so through its redaction). */
export function boltLogger(logger: Logger): BoltLogger {
  const text = (parts: unknown[]) =>
    parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' ');
  let level = LogLevel.INFO;
  return {
    debug: (...parts) => logger.debug(text(parts), { source: 'bolt' }),
    info: (...parts) => logger.info(text(parts), { source: 'bolt' }),
    warn: (...parts) => logger.warn(text(parts), { source: 'bolt' }),
    error: (...parts) => logger.error(text(parts), { source: 'bolt' }),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
