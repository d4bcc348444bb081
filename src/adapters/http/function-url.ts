import type { FunctionUrlEvent, FunctionUrlResult } from '../slack/lambda-app.js';
import { MAX_BODY_BYTES } from './api.js';
import type { ApiHandler } from './node-listener.js';

/**
 * One Function URL request (payload format 2.0) to the pipeline API: Lambda has the whole body already
 * (base64 when it did not take it for text); past MAX_BODY_BYTES the API answers 413 without reading it.
 * https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads
 */
export async function answerFunctionUrl(
  api: ApiHandler,
  event: FunctionUrlEvent,
): Promise<FunctionUrlResult> {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  const tooLarge = bytes.length > MAX_BODY_BYTES;
  const response = await api({
    method: event.requestContext.http.method,
    path: event.rawPath,
    header: (name) => {
      const found = Object.entries(event.headers).find(([key]) => key.toLowerCase() === name.toLowerCase());
      return found?.[1];
    },
    body: tooLarge ? '' : bytes.toString('utf8'),
    ...(tooLarge ? { bodyTooLarge: true } : {}),
  });
  return { statusCode: response.status, headers: response.headers, body: response.body };
}
