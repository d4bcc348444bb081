import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, listen, readBody } from './loopback-server.js';

/**
 * A local stand-in for STS's AssumeRole, speaking its real wire protocol (AWS Query): a form-encoded
 * `POST /` with `Action=AssumeRole&Version=2011-06-15&RoleArn=…&RoleSessionName=…[&ExternalId=…]`,
 * answered with an `AssumeRoleResponse` XML document, or an `ErrorResponse`. Good enough for the real
 * SDK (`fromTemporaryCredentials`) to talk to it unchanged, through `AWS_ENDPOINT_URL_STS`.
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
 */

/** A role that may be assumed, and what assuming it asks for. */
export interface StandInRole {
  arn: string;
  /** when set, AssumeRole without exactly this ExternalId answers AccessDenied (the trust policy's condition) */
  externalId?: string;
  /** how long the credentials it hands out last; default 3600 s (STS's default DurationSeconds) */
  expiresInSeconds?: number;
}

/** One AssumeRole call, as the stand-in received and answered it. */
export interface AssumeRoleCall {
  roleArn: string;
  roleSessionName: string;
  externalId?: string;
  /** the access key id that signed the call (SigV4 `Credential=`), empty when unsigned */
  signedBy: string;
  status: number;
  errorCode?: string;
  /** the access key id handed out, on success */
  accessKeyId?: string;
  at: number;
}

export interface StsStandIn {
  /** for AWS_ENDPOINT_URL_STS */
  url: string;
  /** every AssumeRole call, in arrival order */
  calls: AssumeRoleCall[];
  /** the AWS account whose role handed out these keys; undefined for keys the stand-in did not mint */
  accountOfKey(accessKeyId: string): string | undefined;
  /** the role whose keys these are; undefined for keys the stand-in did not mint */
  roleOfKey(accessKeyId: string): string | undefined;
  /** the next `times` AssumeRole calls (of `roleArn`, or any) answer with `code` (e.g. 'Throttling') */
  inject(fault: { code: string; times?: number; roleArn?: string }): void;
  setRole(role: StandInRole): void;
  close(): Promise<void>;
}

const NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
const DEFAULT_EXPIRY_SECONDS = 3600;

const ERROR_STATUS: Record<string, number> = {
  AccessDenied: 403,
  ExpiredToken: 400,
  InvalidAction: 400,
  MalformedPolicyDocument: 400,
  RegionDisabledException: 403,
  Throttling: 400,
  InternalFailure: 500,
  ServiceUnavailable: 503,
};

interface PendingFault {
  code: string;
  remaining: number;
  roleArn?: string;
}

interface State {
  roles: Map<string, StandInRole>;
  calls: AssumeRoleCall[];
  keys: Map<string, string>;
  faults: PendingFault[];
}

export async function startStsStandIn(options: { roles: StandInRole[]; port?: number }): Promise<StsStandIn> {
  const state: State = {
    roles: new Map(options.roles.map((role) => [role.arn, role])),
    calls: [],
    keys: new Map(),
    faults: [],
  };
  const server = createServer((req, res) => {
    handle(state, req, res).catch((error: unknown) => {
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  const url = await listen(server, options.port ?? 0);
  return {
    url,
    calls: state.calls,
    accountOfKey: (accessKeyId) => {
      const role = state.keys.get(accessKeyId);
      return role === undefined ? undefined : accountOfRole(role);
    },
    roleOfKey: (accessKeyId) => state.keys.get(accessKeyId),
    inject: ({ code, times = 1, roleArn }) =>
      state.faults.push({ code, remaining: times, ...(roleArn === undefined ? {} : { roleArn }) }),
    setRole: (role) => {
      state.roles.set(role.arn, role);
    },
    close: () => closeServer(server),
  };
}

/** The account id inside a role ARN (`arn:aws:iam::<account>:role/…`). */
export function accountOfRole(roleArn: string): string {
  return roleArn.split(':')[4] ?? '';
}

/** The access key id of a SigV4 `Authorization` header (`… Credential=AKID/date/region/service/aws4_request, …`). */
export function signingKeyOf(req: IncomingMessage): string {
  const match = /Credential=([^/,\s]+)\//.exec(String(req.headers.authorization ?? ''));
  return match?.[1] ?? '';
}

async function handle(state: State, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const form = new URLSearchParams(await readBody(req));
  if (req.method !== 'POST' || form.get('Action') !== 'AssumeRole' || form.get('Version') !== '2011-06-15') {
    send(res, errorReply('InvalidAction', `Could not find operation ${form.get('Action') ?? ''}`));
    return;
  }
  const externalId = form.get('ExternalId') ?? undefined;
  const call: AssumeRoleCall = {
    roleArn: form.get('RoleArn') ?? '',
    roleSessionName: form.get('RoleSessionName') ?? '',
    ...(externalId === undefined ? {} : { externalId }),
    signedBy: signingKeyOf(req),
    status: 0,
    at: Date.now(),
  };
  state.calls.push(call);
  const reply = answer(state, call);
  call.status = reply.status;
  if (reply.errorCode) call.errorCode = reply.errorCode;
  send(res, reply);
}

interface Reply {
  status: number;
  xml: string;
  errorCode?: string;
}

function answer(state: State, call: AssumeRoleCall): Reply {
  const fault = takeFault(state, call.roleArn);
  if (fault) return errorReply(fault);
  const role = state.roles.get(call.roleArn);
  // STS answers a role that does not exist, or one whose trust policy refuses, alike: AccessDenied.
  const denied = `User: ${call.signedBy || 'anonymous'} is not authorized to perform: sts:AssumeRole on resource: ${call.roleArn}`;
  if (role === undefined) return errorReply('AccessDenied', denied);
  if (role.externalId !== undefined && role.externalId !== call.externalId)
    return errorReply('AccessDenied', denied);
  if (call.roleSessionName.length < 2) {
    return errorReply('ValidationError', 'RoleSessionName must be 2 to 64 characters', 400);
  }
  const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
  state.keys.set(accessKeyId, role.arn);
  call.accessKeyId = accessKeyId;
  const expiration = new Date(Date.now() + (role.expiresInSeconds ?? DEFAULT_EXPIRY_SECONDS) * 1000);
  return { status: 200, xml: assumeRoleXml(role.arn, call.roleSessionName, accessKeyId, expiration) };
}

function takeFault(state: State, roleArn: string): string | undefined {
  const index = state.faults.findIndex((fault) => fault.roleArn === undefined || fault.roleArn === roleArn);
  const fault = state.faults[index];
  if (fault === undefined) return undefined;
  fault.remaining -= 1;
  if (fault.remaining <= 0) state.faults.splice(index, 1);
  return fault.code;
}

/** https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html#API_AssumeRole_Examples */
function assumeRoleXml(roleArn: string, session: string, accessKeyId: string, expiration: Date): string {
  const roleName = roleArn.split('/').at(-1) ?? '';
  const account = accountOfRole(roleArn);
  return (
    `<AssumeRoleResponse xmlns="${NAMESPACE}"><AssumeRoleResult>` +
    `<SourceIdentity></SourceIdentity>` +
    `<AssumedRoleUser><Arn>arn:aws:sts::${account}:assumed-role/${escapeXml(roleName)}/${escapeXml(session)}</Arn>` +
    `<AssumedRoleId>AROA${randomBytes(8).toString('hex').toUpperCase()}:${escapeXml(session)}</AssumedRoleId></AssumedRoleUser>` +
    `<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId>` +
    `<SecretAccessKey>${randomBytes(20).toString('base64')}</SecretAccessKey>` +
    `<SessionToken>${randomBytes(48).toString('base64')}</SessionToken>` +
    `<Expiration>${expiration.toISOString()}</Expiration></Credentials>` +
    `<PackedPolicySize>0</PackedPolicySize></AssumeRoleResult>` +
    `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`
  );
}

function errorReply(code: string, message = code, status = ERROR_STATUS[code] ?? 400): Reply {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  const xml =
    `<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
  return { status, xml, errorCode: code };
}

function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, {
    'Content-Type': 'text/xml',
    'Content-Length': Buffer.byteLength(reply.xml),
    'x-amzn-RequestId': randomUUID(),
  });
  res.end(reply.xml);
}

function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}
