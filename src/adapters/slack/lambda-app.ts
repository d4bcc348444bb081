import { App, type Authorize, AwsLambdaReceiver, type Logger as BoltLogger, webApi } from '@slack/bolt';
import type { Logger } from '../../usecases/ports.js';
import { boltLogger, CLIENT_OPTIONS } from './app.js';
import { screenInbound } from './inbound.js';

/**
 * A Lambda Function URL request (payload format 2.0), the fields read here.
 * https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads
 */
export interface FunctionUrlEvent {
  version: string;
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  headers: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded: boolean;
  requestContext: { http: { method: string } };
}

/** A Function URL response; Lambda turns it into the HTTP answer. */
export interface FunctionUrlResult {
  statusCode: number;
  headers?: Record<string, boolean | number | string>;
  body: string;
}

/** The path Slack posts to, the same as the server's (manifest.yml names it after the Function URL). */
export const SLACK_EVENTS_PATH = '/slack/events';

export interface SlackLambdaConfig {
  botToken: string;
  signingSecret: string;
  apiUrl?: string;
}

/**
 * The Web API clients the services need, without a Bolt app (for the worker). `postClient` never retries
 * by itself and fails at once on a 429: the work queue retries, after looking whether the post arrived.
 */
export function createSlackClients(
  config: Pick<SlackLambdaConfig, 'botToken' | 'apiUrl'>,
  log: Logger,
): { client: webApi.WebClient; postClient: webApi.WebClient } {
  const options = clientOptions(config, boltLogger(log));
  return { client: new webApi.WebClient(config.botToken, options), postClient: postClient(config, options) };
}

function clientOptions(config: Pick<SlackLambdaConfig, 'apiUrl'>, logger: BoltLogger) {
  return { ...CLIENT_OPTIONS, ...(config.apiUrl ? { slackApiUrl: config.apiUrl } : {}), logger };
}

function postClient(config: Pick<SlackLambdaConfig, 'botToken'>, options: webApi.WebClientOptions) {
  return new webApi.WebClient(config.botToken, {
    ...options,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
}

export interface SlackLambdaApp {
  app: App;
  /** the bot token's client, for the services (the app's own `client` carries no token: see `authorize`) */
  client: webApi.WebClient;
  postClient: webApi.WebClient;
  /** Answers one Function URL request; listeners are bound by register.ts before the first call. */
  handle(event: FunctionUrlEvent, context: unknown): Promise<FunctionUrlResult>;
}

/**
 * The Bolt app on AWS Lambda behind a Function URL. Bolt's AwsLambdaReceiver (5.1.0) already reads the
 * 2.0 payload: headers case-insensitively, `body`, `isBase64Encoded`; it never looks at the path or the
 * method. It always awaits every listener before it returns the acknowledgement, as Lambda requires (the
 * process is frozen once the handler returns): that is `processBeforeResponse: true`, which App passes
 * only to the receivers it builds itself, so here the option only states it.
 * https://docs.slack.dev/tools/bolt-js/deployments/aws-lambda
 *
 * No `auth.test` on the cold path: Bolt's `token` option runs it at `init()` (or in the constructor) for the
 * bot's ids, which only its ignoreSelf filter reads, on Events API events. `lazyAuthorization` gives Bolt
 * the token at once and fetches the ids with the first event that needs them. `app.init()` then makes no
 * call at all.
 */
export function createLambdaSlackApp(config: SlackLambdaConfig, log: Logger): SlackLambdaApp {
  const logger = boltLogger(log);
  const options = clientOptions(config, logger);
  const receiver = new AwsLambdaReceiver({ signingSecret: config.signingSecret, logger });
  const client = new webApi.WebClient(config.botToken, options);
  const app = new App({
    receiver,
    authorize: lazyAuthorization(client, config.botToken),
    processBeforeResponse: true,
    deferInitialization: true,
    // A copy: Bolt writes its logger into the options it is given.
    clientOptions: { ...options },
    logger,
  });
  const boltHandler = receiver.toHandler();
  return {
    app,
    client,
    postClient: postClient(config, options),
    handle: async (event, context) => {
      // Only Slack's endpoint reaches Bolt: anything else (a scanner's GET /) gets a plain 404 instead of
      // a parse error from the receiver, which would count as a failed invocation.
      if (event.requestContext.http.method !== 'POST' || event.rawPath !== SLACK_EVENTS_PATH) {
        return { statusCode: 404, body: '' };
      }
      const decoded = utf8Body(event);
      // The same screen as the server's (inbound.ts): Bolt's receiver would parse an unsigned body first.
      const verdict = screenInbound((name) => header(decoded, name), decoded.body ?? '', {
        signingSecret: config.signingSecret,
        logger: log,
      });
      if (!verdict.ok) return { statusCode: verdict.status, body: '' };
      return boltHandler(decoded, context);
    },
  };
}

/**
 * Bolt's authorize for the one workspace's bot token. The bot's ids come from one `auth.test`, made with the
 * first Events API event (where Bolt's ignoreSelf compares them) and kept; commands, clicks and form
 * submissions never wait for it. A failed lookup is forgotten, so the next event tries again.
 */
function lazyAuthorization(client: webApi.WebClient, botToken: string): Authorize<boolean> {
  let ids: Promise<{ botId?: string; botUserId?: string }> | undefined;
  const lookUp = () =>
    client.auth.test().then(
      (result) => ({ botId: result.bot_id, botUserId: result.user_id }),
      (error: unknown) => {
        ids = undefined;
        throw error;
      },
    );
  return async (_source, body) => {
    if (body?.type !== 'event_callback') return { botToken };
    ids ??= lookUp();
    return { botToken, ...(await ids) };
  };
}

/** A header of a Function URL request; Lambda gives their names in lower case, but not every caller does. */
function header(event: FunctionUrlEvent, name: string): string | undefined {
  const found = Object.entries(event.headers).find(([key]) => key.toLowerCase() === name);
  return found?.[1];
}

/**
 * Function URLs base64-encode bodies they do not treat as text (a form post from Slack among them). The
 * receiver decodes base64 as ASCII, which would break the signature of any non-ASCII byte, so the body
 * is decoded here as UTF-8, exactly the bytes Slack signed.
 */
function utf8Body(event: FunctionUrlEvent): FunctionUrlEvent {
  if (!event.isBase64Encoded || event.body === undefined) return event;
  return { ...event, body: Buffer.from(event.body, 'base64').toString('utf8'), isBase64Encoded: false };
}
