import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from './loopback-server.js';

/** A fault the next answers carry: an error status, a 401 for the key, or an answer too slow to wait for. */
export type OnCallFault =
  | { kind: 'status'; status: number }
  | { kind: 'unauthorized' }
  | { kind: 'slow'; ms: number };

/** One request an on-call stand-in received. */
export interface OnCallStandInCall {
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  status: number;
}

/** What both on-call stand-ins share: who is on call per schedule, faults, and the calls seen. */
export interface OnCallStandIn {
  url: string;
  calls: OnCallStandInCall[];
  /** sets who is on call in `schedule` now, by email */
  setOnCall(schedule: string, emails: string[]): void;
  /** every answer carries `fault` until it is cleared with undefined */
  setFault(fault: OnCallFault | undefined): void;
  close(): Promise<void>;
}

/** How one service reads its requests: the key from the headers, the schedule from the URL, the answer's shape. */
export interface OnCallDialect {
  apiKeyOf(headers: IncomingMessage['headers']): string | undefined;
  /** the schedule asked about, or undefined for a path the service does not have */
  scheduleOf(url: URL): string | undefined;
  answer(schedule: string, emails: string[], url: URL): unknown;
  unauthorized: unknown;
  notFound: unknown;
}

/** Starts a stand-in on 127.0.0.1 (a free port unless given) that accepts only `apiKey`. */
export async function startOnCallStandIn(
  dialect: OnCallDialect,
  options: { apiKey: string; port?: number },
): Promise<OnCallStandIn> {
  const schedules = new Map<string, string[]>();
  const calls: OnCallStandInCall[] = [];
  let fault: OnCallFault | undefined;
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const call: OnCallStandInCall = {
      path: url.pathname,
      query: url.searchParams,
      headers: request.headers,
      status: 0,
    };
    calls.push(call);
    const send = (status: number, body: unknown) => {
      call.status = status;
      reply(response, status, body);
    };
    const answer = () => {
      if (fault?.kind === 'status') return send(fault.status, { error: 'injected fault' });
      if (fault?.kind === 'unauthorized' || dialect.apiKeyOf(request.headers) !== options.apiKey) {
        return send(401, dialect.unauthorized);
      }
      const schedule = dialect.scheduleOf(url);
      const emails = schedule === undefined ? undefined : schedules.get(schedule);
      if (schedule === undefined || emails === undefined) return send(404, dialect.notFound);
      send(200, dialect.answer(schedule, emails, url));
    };
    if (fault?.kind === 'slow') setTimeout(answer, fault.ms);
    else answer();
  });
  await new Promise<void>((done) => server.listen(options.port ?? 0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    setOnCall: (schedule, emails) => schedules.set(schedule, [...emails]),
    setFault: (next) => {
      fault = next;
    },
    close: () => closeServer(server),
  };
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  if (response.destroyed) return;
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
