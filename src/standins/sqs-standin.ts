import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, listen, readBody } from './loopback-server.js';

/**
 * A local stand-in for Amazon SQS as the current `@aws-sdk/client-sqs` speaks to it: the AWS JSON 1.0
 * protocol (`POST /`, `X-Amz-Target: AmazonSQS.<Operation>`, `Content-Type: application/x-amz-json-1.0`),
 * with SendMessage, ReceiveMessage (long polling with WaitTimeSeconds, a visibility timeout after which
 * an undeleted message is delivered again), DeleteMessage and DeleteMessageBatch. Bodies carry their MD5,
 * which the SDK checks. Faults through `beforeAnswer`.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
 */

export type SqsOperation = 'SendMessage' | 'ReceiveMessage' | 'DeleteMessage' | 'DeleteMessageBatch';

export interface SqsCall {
  operation: SqsOperation;
  status: number;
  errorCode?: string;
  /** ReceiveMessage: the ids of the messages handed out; deletes: the ids deleted */
  messageIds: string[];
}

export interface SqsStandInOptions {
  /** seconds a received message stays invisible unless the receive says otherwise; SQS's default is 30 */
  visibilityTimeoutSeconds?: number;
  /**
   * Called before each call is answered; an SQS error code it resolves with (`InternalError`,
   * `RequestThrottled`, `QueueDoesNotExist`) is the answer instead. It may take its time (a delay).
   */
  beforeAnswer?: (call: { operation: SqsOperation }) => Promise<string | undefined>;
  /** default 0 (random) */
  port?: number;
}

export interface SqsStandIn {
  /** e.g. http://127.0.0.1:PORT, the client's `endpoint` */
  url: string;
  /** a queue's URL (the queue comes to be when named) */
  queueUrl(name: string): string;
  calls: SqsCall[];
  /** Puts a message in a queue, as SendMessage does; returns its id. */
  send(queueUrl: string, body: string): string;
  /** The messages still in a queue (visible or not): their ids, bodies and how often they were received. */
  messages(queueUrl: string): Array<{ id: string; body: string; receiveCount: number }>;
  close(): Promise<void>;
}

interface Message {
  id: string;
  body: string;
  receiveCount: number;
  /** epoch ms from which it can be received (again) */
  visibleAt: number;
  /** the receipt handle of its latest receive */
  handle?: string;
}

interface Reply {
  status: number;
  body: Record<string, unknown>;
  errorCode?: string;
}

const ACCOUNT = '000000000000';
const MAX_WAIT_SECONDS = 20;
const MAX_MESSAGES = 10;
const WAIT_STEP_MS = 25;

const ERRORS: Record<string, { status: number; query: string }> = {
  InternalError: { status: 500, query: 'InternalError;Receiver' },
  RequestThrottled: { status: 400, query: 'RequestThrottled;Sender' },
  QueueDoesNotExist: { status: 400, query: 'AWS.SimpleQueueService.NonExistentQueue;Sender' },
  InvalidParameterValue: { status: 400, query: 'InvalidParameterValue;Sender' },
  ReceiptHandleIsInvalid: { status: 400, query: 'ReceiptHandleIsInvalid;Sender' },
};

export async function startSqsStandIn(options: SqsStandInOptions = {}): Promise<SqsStandIn> {
  const queues = new Map<string, Message[]>();
  const calls: SqsCall[] = [];
  const visibilitySeconds = options.visibilityTimeoutSeconds ?? 30;
  let closed = false;
  let url = '';
  const queueOf = (queueUrl: unknown): Message[] | undefined =>
    typeof queueUrl === 'string' ? queues.get(queueUrl.replace(/^https?:\/\/[^/]+/, '')) : undefined;
  const queuePath = (name: string) => `/${ACCOUNT}/${name}`;

  function send(queueUrl: string, body: string): string {
    const path = queueUrl.replace(/^https?:\/\/[^/]+/, '');
    const queue = queues.get(path) ?? [];
    queues.set(path, queue);
    const id = randomUUID();
    queue.push({ id, body, receiveCount: 0, visibleAt: 0 });
    return id;
  }

  function receive(queue: Message[], max: number, visibilityMs: number): Message[] {
    const now = Date.now();
    const taken = queue.filter((message) => message.visibleAt <= now).slice(0, max);
    for (const message of taken) {
      message.receiveCount += 1;
      message.visibleAt = now + visibilityMs;
      message.handle = `${message.id}#${randomUUID()}`;
    }
    return taken;
  }

  async function receiveMessage(input: Record<string, unknown>, call: SqsCall): Promise<Reply> {
    const queue = queueOf(input.QueueUrl);
    if (queue === undefined) return errorReply('QueueDoesNotExist', 'The specified queue does not exist.');
    const max = Math.min(numberOr(input.MaxNumberOfMessages, 1), MAX_MESSAGES);
    const waitMs = Math.min(numberOr(input.WaitTimeSeconds, 0), MAX_WAIT_SECONDS) * 1000;
    const visibilityMs = numberOr(input.VisibilityTimeout, visibilitySeconds) * 1000;
    const until = Date.now() + waitMs;
    let taken = receive(queue, max, visibilityMs);
    while (taken.length === 0 && Date.now() < until && !closed) {
      await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
      taken = receive(queue, max, visibilityMs);
    }
    call.messageIds = taken.map((message) => message.id);
    if (taken.length === 0) return { status: 200, body: {} };
    return {
      status: 200,
      body: {
        Messages: taken.map((message) => ({
          MessageId: message.id,
          ReceiptHandle: message.handle,
          MD5OfBody: md5(message.body),
          Body: message.body,
          Attributes: { ApproximateReceiveCount: String(message.receiveCount) },
        })),
      },
    };
  }

  /** Deletes by the receipt handle of the message's latest receive; an older handle deletes nothing. */
  function deleteOne(queue: Message[], handle: unknown): string | undefined {
    const index = queue.findIndex((message) => message.handle !== undefined && message.handle === handle);
    const [deleted] = index === -1 ? [] : queue.splice(index, 1);
    return deleted?.id;
  }

  async function answer(operation: SqsOperation, input: Record<string, unknown>, call: SqsCall) {
    const fault = await options.beforeAnswer?.({ operation });
    if (fault !== undefined) return errorReply(fault, fault);
    switch (operation) {
      case 'SendMessage': {
        const queue = queueOf(input.QueueUrl);
        if (queue === undefined || typeof input.MessageBody !== 'string')
          return errorReply('QueueDoesNotExist', 'The specified queue does not exist.');
        const id = send(String(input.QueueUrl), input.MessageBody);
        call.messageIds = [id];
        return { status: 200, body: { MessageId: id, MD5OfMessageBody: md5(input.MessageBody) } };
      }
      case 'ReceiveMessage':
        return receiveMessage(input, call);
      case 'DeleteMessage': {
        const queue = queueOf(input.QueueUrl);
        if (queue === undefined)
          return errorReply('QueueDoesNotExist', 'The specified queue does not exist.');
        const id = deleteOne(queue, input.ReceiptHandle);
        call.messageIds = id === undefined ? [] : [id];
        return { status: 200, body: {} };
      }
      case 'DeleteMessageBatch':
        return deleteBatch(input, call);
      default: {
        const unknown: never = operation;
        throw new Error(`unknown operation ${String(unknown)}`);
      }
    }
  }

  function deleteBatch(input: Record<string, unknown>, call: SqsCall): Reply {
    const queue = queueOf(input.QueueUrl);
    if (queue === undefined) return errorReply('QueueDoesNotExist', 'The specified queue does not exist.');
    const entries = Array.isArray(input.Entries) ? (input.Entries as Array<Record<string, unknown>>) : [];
    const successful: Array<{ Id: unknown }> = [];
    for (const entry of entries) {
      const id = deleteOne(queue, entry.ReceiptHandle);
      if (id !== undefined) call.messageIds.push(id);
      // SQS answers success for a handle whose message is gone already: deleting is idempotent.
      successful.push({ Id: entry.Id });
    }
    return { status: 200, body: { Successful: successful, Failed: [] } };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.replace(/^AmazonSQS\./, '');
    if (req.method !== 'POST' || !isOperation(operation)) {
      sendReply(res, errorReply('InvalidAction', `${target || 'no target'} is not answered here`));
      return;
    }
    const call: SqsCall = { operation, status: 0, messageIds: [] };
    calls.push(call);
    const reply = await answer(operation, parseJsonObject(body), call);
    call.status = reply.status;
    if (reply.errorCode !== undefined) call.errorCode = reply.errorCode;
    sendReply(res, reply);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => res.destroy(error instanceof Error ? error : undefined));
  });
  url = await listen(server, options.port ?? 0);
  return {
    url,
    queueUrl(name) {
      if (!queues.has(queuePath(name))) queues.set(queuePath(name), []);
      return `${url}${queuePath(name)}`;
    },
    calls,
    send,
    messages: (queueUrl) =>
      (queueOf(queueUrl) ?? []).map(({ id, body, receiveCount }) => ({ id, body, receiveCount })),
    close: () => {
      closed = true;
      return closeServer(server);
    },
  };
}

function isOperation(name: string): name is SqsOperation {
  return ['SendMessage', 'ReceiveMessage', 'DeleteMessage', 'DeleteMessageBatch'].includes(name);
}

function errorReply(code: string, message: string): Reply {
  const known = ERRORS[code] ?? { status: 400, query: `${code};Sender` };
  return {
    status: known.status,
    errorCode: code,
    body: { __type: `com.amazonaws.sqs#${code}`, message, query: known.query },
  };
}

/** JSON 1.0 errors name their code in `__type`; the query-compatible header gives the classic code too. */
function sendReply(res: ServerResponse, reply: Reply): void {
  const { query, ...body } = reply.body;
  res.writeHead(reply.status, {
    'Content-Type': 'application/x-amz-json-1.0',
    'x-amzn-RequestId': randomUUID(),
    ...(typeof query === 'string' ? { 'x-amzn-query-error': query } : {}),
  });
  res.end(JSON.stringify(body));
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function parseJsonObject(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text || '{}');
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
