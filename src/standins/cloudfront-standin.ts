import { randomInt, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, listen, readBody } from './loopback-server.js';

/**
 * A local stand-in for the CloudFront invalidation API (REST-XML, version 2020-05-31), good enough for the
 * real `@aws-sdk/client-cloudfront` to talk to it unchanged. It covers CreateInvalidation, GetInvalidation
 * and ListInvalidations (paged with Marker / MaxItems), their distribution-tenant forms (a tenant's
 * invalidations count against its multi-tenant distribution's limits), ListDistributions (paged the same way),
 * GetDistributionConfig (only what the bot reads: its cache-tag header), CallerReference idempotency, the
 * in-progress limits, and the refusal of cache tags on a distribution not set up for them. It has no faults of its
 * own: the tests' version (test/support/cloudfront-standin.ts) adds them through `beforeAnswer`.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateInvalidation.html
 */

export interface StandInInvalidation {
  distributionId: string;
  /** made through CreateInvalidationForDistributionTenant for this tenant of the distribution */
  tenantId?: string;
  id: string;
  callerReference: string;
  paths: string[];
  status: 'InProgress' | 'Completed';
  createTime: Date;
  completedAt?: Date;
}

/** One request to the stand-in. `status` is 0 until the answer is sent (e.g. during a delay fault). */
export interface CloudFrontCall {
  /** `distributions` is ListDistributions, whose `distributionId` is empty; `config` GetDistributionConfig */
  operation: 'create' | 'get' | 'list' | 'distributions' | 'config';
  /** for a tenant call, the tenant's distribution (empty when the tenant is unknown) */
  distributionId: string;
  /** set on the distribution-tenant calls (CreateInvalidationForDistributionTenant, …): the tenant's id */
  tenantId?: string;
  invalidationId?: string;
  status: number;
  errorCode?: string;
  /** arrival time (epoch ms) */
  at: number;
  /** create: the paths and CallerReference asked for */
  paths?: string[];
  callerReference?: string;
  /** create and get: the invalidation's status in the answer */
  invalidationStatus?: 'InProgress' | 'Completed';
  /** the access key id that signed the call (SigV4 `Credential=`), empty when unsigned */
  signedBy: string;
}

/** A distribution as ListDistributions describes it, and its cache-tag header (GetDistributionConfig). */
export interface StandInDistribution {
  id: string;
  domainName: string;
  aliases: string[];
  /** CacheTagConfig.HeaderName; without it CreateInvalidation refuses `#` items */
  cacheTagHeader?: string;
}

export interface CloudFrontStandInOptions {
  /** distribution ids that exist; any other id answers NoSuchDistribution. Default: any id matching /^E[A-Z0-9]{5,}$/ exists */
  distributions?: string[];
  /** ms from creation until Completed; a number or a function called once per invalidation. Default 200 */
  completeAfterMs?: number | (() => number);
  /**
   * Called before each routed call is answered; an AWS error code it resolves with (e.g. 'Throttling') is
   * the answer instead, with the HTTP status CloudFront gives that code. It may take its time (a delay).
   */
  beforeAnswer?: (call: {
    operation: Operation;
    distributionId: string;
    /** the AWS account whose keys signed the call, when `accounts` tells */
    account?: string;
  }) => Promise<string | undefined>;
  /** distribution tenants (`dt_…`) and the multi-tenant distribution each belongs to; others are EntityNotFound */
  tenants?: Record<string, string>;
  /** enforce CloudFront's in-progress limits per distribution (3000 paths, 15 wildcard paths). Default true */
  enforceLimits?: boolean;
  /** default 0 (random) */
  port?: number;
  /**
   * Several AWS accounts behind one endpoint: which account each distribution is in (those not named are
   * in `home`) and whose keys sign a call (`ofKey`; keys it does not know are `home`'s). A call for a
   * distribution signed by another account's keys answers AccessDenied, as CloudFront does, and
   * ListDistributions lists the signer's account alone. Without it, every key sees every distribution.
   */
  accounts?: {
    home: string;
    ofDistribution: Record<string, string>;
    ofKey: (accessKeyId: string) => string | undefined;
  };
}

export interface CloudFrontStandIn {
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  /** every routed request, in arrival order */
  calls: CloudFrontCall[];
  /** snapshots with the status as of now, oldest first */
  invalidations(distributionId?: string): StandInInvalidation[];
  /** add an invalidation that the bot did not make (for reconciliation tests) */
  addExternal(
    distributionId: string,
    paths: string[],
    callerReference?: string,
    createTime?: Date,
  ): StandInInvalidation;
  /** Adds an invalidation made outside the bot on a tenant (added with addTenant) of a distribution. */
  addTenantExternal(tenantId: string, paths: string[], callerReference?: string): StandInInvalidation;
  /**
   * Adds a distribution to the account (listed by ListDistributions; it exists for the other calls too).
   * Listed besides these: `options.distributions`, and every distribution that has an invalidation.
   */
  addDistribution(distribution: {
    id: string;
    domainName?: string;
    aliases?: string[];
    cacheTagHeader?: string;
  }): StandInDistribution;
  /** Adds a tenant of a multi-tenant distribution: the tenant calls answer for it from now on. */
  addTenant(tenantId: string, distributionId: string): void;
  /** ListDistributions: every distribution of the account, in the order it came to be known */
  distributions(): StandInDistribution[];
  /** number of successful (201) creates that made a NEW invalidation */
  createdCount(): number;
  /** applies to invalidations created from now on; existing ones keep their completion time */
  setCompleteAfterMs(ms: number | (() => number)): void;
  /** Calls the listener once each call is answered; returns the unsubscribe function. */
  onCall(listener: (call: CloudFrontCall) => void): () => void;
  close(): Promise<void>;
}

/** The operations the stand-in answers. */
export type Operation = CloudFrontCall['operation'];

interface Route {
  operation: Operation;
  distributionId: string;
  tenantId?: string;
  invalidationId?: string;
}

interface Reply {
  status: number;
  xml: string;
  errorCode?: string;
  invalidation?: { id: string; status: 'InProgress' | 'Completed' };
  headers?: Record<string, string>;
}

interface InvalidationRecord {
  distributionId: string;
  tenantId?: string;
  id: string;
  callerReference: string;
  paths: string[];
  createTime: Date;
  /** fixed at creation, so a random delay is drawn once per invalidation */
  completesAt: Date;
}

interface State {
  url: string;
  records: InvalidationRecord[];
  /** distributions added with addDistribution */
  added: StandInDistribution[];
  /** tenant id → its distribution id */
  tenants: Map<string, string>;
  calls: CloudFrontCall[];
  created: number;
  completeAfterMs: number | (() => number);
  options: CloudFrontStandInOptions;
  listeners: Set<(call: CloudFrontCall) => void>;
}

const API_VERSION = '2020-05-31';
const NAMESPACE = `http://cloudfront.amazonaws.com/doc/${API_VERSION}/`;
const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
const ROUTE = new RegExp(`^/${API_VERSION}/distribution/([^/]+)/invalidation(?:/([^/]+))?$`);
const CONFIG_ROUTE = new RegExp(`^/${API_VERSION}/distribution/([^/]+)/config$`);
/**
 * The distribution-tenant calls, as the SDK sends them: POST and GET `distribution-tenant/{Id}/invalidation`,
 * GET `distribution-tenant/{DistributionTenantId}/invalidation/{Id}` (same XML bodies as the others).
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateInvalidationForDistributionTenant.html
 */
const TENANT_ROUTE = new RegExp(`^/${API_VERSION}/distribution-tenant/([^/]+)/invalidation(?:/([^/]+))?$`);
const DISTRIBUTIONS_ROUTE = `/${API_VERSION}/distribution`;
const DEFAULT_DISTRIBUTION_ID = /^E[A-Z0-9]{5,}$/;

// Quotas: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html#limits-invalidations
const MAX_PATHS_IN_PROGRESS = 3000;
const MAX_WILDCARDS_IN_PROGRESS = 15;
const MAX_PATH_LENGTH = 4000;
// Cache tags: `#` then ASCII 33–126 without commas or wildcards, at most 256 characters in all.
const CACHE_TAG = /^#[!-+\--~]{1,255}$/;
const DEFAULT_MAX_ITEMS = 100;

const ERROR_STATUS: Record<string, number> = {
  AccessDenied: 403,
  BatchTooLarge: 413,
  EntityNotFound: 404,
  InconsistentQuantities: 400,
  InternalError: 500,
  InvalidArgument: 400,
  InvalidationBatchAlreadyExists: 400,
  MissingBody: 400,
  NoSuchDistribution: 404,
  NoSuchInvalidation: 404,
  ServiceUnavailable: 503,
  Throttling: 400,
  TooManyInvalidationsInProgress: 400,
};

const ERROR_MESSAGE: Record<string, string> = {
  AccessDenied: 'User is not authorized to perform this action.',
  InternalError: 'We encountered an internal error. Please try again.',
  ServiceUnavailable: 'Service Unavailable',
  Throttling: 'Rate exceeded',
  TooManyInvalidationsInProgress:
    'Processing your request will cause you to exceed the maximum number of in-progress wildcard invalidations or invalidation objects.',
};

export async function startCloudFrontStandIn(
  options: CloudFrontStandInOptions = {},
): Promise<CloudFrontStandIn> {
  const state: State = {
    url: '',
    records: [],
    added: [],
    tenants: new Map(Object.entries(options.tenants ?? {})),
    calls: [],
    created: 0,
    completeAfterMs: options.completeAfterMs ?? 200,
    options,
    listeners: new Set(),
  };
  const server = createServer((req, res) => {
    handleRequest(state, req, res).catch((error: unknown) => {
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  state.url = await listen(server, options.port ?? 0);
  return {
    url: state.url,
    calls: state.calls,
    invalidations: (distributionId) => snapshots(state, distributionId),
    addExternal: (distributionId, paths, callerReference = `external-${randomUUID()}`, createTime) =>
      toSnapshot(addRecord(state, distributionId, paths, callerReference, createTime), Date.now()),
    addTenantExternal: (tenantId, paths, callerReference = `external-${randomUUID()}`) => {
      const distributionId = state.tenants.get(tenantId);
      if (distributionId === undefined) throw new Error(`no tenant ${tenantId}: add it with addTenant`);
      const record = addRecord(state, distributionId, paths, callerReference);
      record.tenantId = tenantId;
      return toSnapshot(record, Date.now());
    },
    addDistribution: ({ id, domainName = defaultDomainName(id), aliases = [], cacheTagHeader }) => {
      const distribution: StandInDistribution = {
        id,
        domainName,
        aliases: [...aliases],
        ...(cacheTagHeader === undefined ? {} : { cacheTagHeader }),
      };
      state.added.push(distribution);
      return distribution;
    },
    addTenant: (tenantId, distributionId) => {
      state.tenants.set(tenantId, distributionId);
    },
    distributions: () => accountDistributions(state),
    createdCount: () => state.created,
    setCompleteAfterMs: (ms) => {
      state.completeAfterMs = ms;
    },
    onCall: (listener) => {
      state.listeners.add(listener);
      return () => {
        state.listeners.delete(listener);
      };
    },
    close: () => closeServer(server),
  };
}

async function handleRequest(state: State, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const url = new URL(req.url ?? '/', state.url);
  const route = matchRoute(state, req.method ?? 'GET', url.pathname);
  if (!route) {
    // Not a CloudFront call this stand-in knows, so it has no place in `calls`.
    send(res, errorReply('InvalidArgument', `Unsupported request: ${req.method} ${url.pathname}`, 404));
    return;
  }
  const call: CloudFrontCall = { ...route, status: 0, at: Date.now(), signedBy: signingKeyOf(req) };
  state.calls.push(call);
  if (route.operation === 'create') {
    const batch = parseInvalidationBatch(body);
    if (batch.ok) Object.assign(call, { paths: batch.paths, callerReference: batch.callerReference });
  }
  const reply = await answer(state, route, body, url.searchParams, signerAccount(state, call.signedBy));
  call.status = reply.status;
  if (reply.errorCode) call.errorCode = reply.errorCode;
  if (reply.invalidation) {
    call.invalidationId = reply.invalidation.id;
    call.invalidationStatus = reply.invalidation.status;
  }
  send(res, reply);
  for (const listener of state.listeners) listener(call);
}

function matchRoute(state: State, method: string, pathname: string): Route | undefined {
  if (method === 'GET' && pathname === DISTRIBUTIONS_ROUTE)
    return { operation: 'distributions', distributionId: '' };
  const config = CONFIG_ROUTE.exec(pathname)?.[1];
  if (method === 'GET' && config !== undefined)
    return { operation: 'config', distributionId: decodeURIComponent(config) };
  const tenantMatch = TENANT_ROUTE.exec(pathname);
  const match = tenantMatch ?? ROUTE.exec(pathname);
  const id = match?.[1];
  if (!match || id === undefined) return undefined;
  // A tenant's calls are routed to its distribution ('' when there is no such tenant: EntityNotFound).
  const target = tenantMatch
    ? { distributionId: state.tenants.get(decodeURIComponent(id)) ?? '', tenantId: decodeURIComponent(id) }
    : { distributionId: decodeURIComponent(id) };
  const invalidationId = match[2];
  if (method === 'POST' && invalidationId === undefined) return { operation: 'create', ...target };
  if (method !== 'GET') return undefined;
  if (invalidationId === undefined) return { operation: 'list', ...target };
  return { operation: 'get', ...target, invalidationId: decodeURIComponent(invalidationId) };
}

async function answer(
  state: State,
  route: Route,
  body: string,
  query: URLSearchParams,
  signer: string | undefined,
): Promise<Reply> {
  const faultCode = await state.options.beforeAnswer?.({
    ...route,
    ...(signer === undefined ? {} : { account: signer }),
  });
  if (faultCode) return errorReply(faultCode);
  if (route.operation === 'distributions') return listDistributions(state, query, signer);
  // The tenant calls document EntityNotFound for a tenant that does not exist.
  if (route.tenantId !== undefined && route.distributionId === '')
    return errorReply('EntityNotFound', `The distribution tenant does not exist: ${route.tenantId}`);
  if (signer !== undefined && accountOfDistribution(state, route.distributionId) !== signer) {
    return errorReply(
      'AccessDenied',
      `User: ${signer} is not authorized to perform: cloudfront on resource: distribution/${route.distributionId}`,
    );
  }
  if (!distributionExists(state, route.distributionId)) {
    return errorReply('NoSuchDistribution', 'The specified distribution does not exist.');
  }
  switch (route.operation) {
    case 'create':
      return createInvalidation(state, route, body);
    case 'get':
      return getInvalidation(state, route, route.invalidationId ?? '');
    case 'list':
      return listInvalidations(state, route, query);
    case 'config':
      return distributionConfig(state, route.distributionId);
    default: {
      const unknownOperation: never = route.operation;
      throw new Error(`Unknown operation ${String(unknownOperation)}`);
    }
  }
}

/** The account whose keys signed a call; undefined when the stand-in keeps no accounts. */
function signerAccount(state: State, accessKeyId: string): string | undefined {
  const accounts = state.options.accounts;
  return accounts && (accounts.ofKey(accessKeyId) ?? accounts.home);
}

function accountOfDistribution(state: State, distributionId: string): string | undefined {
  const accounts = state.options.accounts;
  return accounts && (accounts.ofDistribution[distributionId] ?? accounts.home);
}

/** The access key id of a SigV4 `Authorization` header (`… Credential=AKID/date/region/service/aws4_request, …`). */
function signingKeyOf(req: IncomingMessage): string {
  const match = /Credential=([^/,\s]+)\//.exec(String(req.headers.authorization ?? ''));
  return match?.[1] ?? '';
}

function distributionExists(state: State, distributionId: string): boolean {
  if (state.added.some((distribution) => distribution.id === distributionId)) return true;
  return state.options.distributions
    ? state.options.distributions.includes(distributionId)
    : DEFAULT_DISTRIBUTION_ID.test(distributionId);
}

/** The account's distributions: configured in the options, added, and any with an invalidation. */
function accountDistributions(state: State): StandInDistribution[] {
  const ids = [
    ...(state.options.distributions ?? []),
    ...state.added.map((distribution) => distribution.id),
    ...state.records.map((record) => record.distributionId),
  ];
  return [...new Set(ids)].map(
    (id) =>
      state.added.find((distribution) => distribution.id === id) ?? {
        id,
        domainName: defaultDomainName(id),
        aliases: [],
      },
  );
}

function tagHeaderOf(state: State, distributionId: string): string | undefined {
  return state.added.find((distribution) => distribution.id === distributionId)?.cacheTagHeader;
}

/**
 * GetDistributionConfig: the DistributionConfig element is the whole body, the ETag a header. Only the
 * required members and CacheTagConfig are filled in; the SDK's deserializer (DistributionConfig$ in
 * @aws-sdk/client-cloudfront) reads these names.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_GetDistributionConfig.html
 */
function distributionConfig(state: State, distributionId: string): Reply {
  const distribution = accountDistributions(state).find((d) => d.id === distributionId);
  const aliases = distribution?.aliases ?? [];
  const cnames = aliases.map((alias) => `<CNAME>${escapeXml(alias)}</CNAME>`).join('');
  const header = distribution?.cacheTagHeader;
  const tags =
    header === undefined
      ? ''
      : `<CacheTagConfig><HeaderName>${escapeXml(header)}</HeaderName></CacheTagConfig>`;
  const xml =
    `${XML_DECLARATION}<DistributionConfig xmlns="${NAMESPACE}">` +
    `<CallerReference>standin-${distributionId}</CallerReference>` +
    `<Aliases><Quantity>${aliases.length}</Quantity>${cnames ? `<Items>${cnames}</Items>` : ''}</Aliases>` +
    `<Origins><Quantity>0</Quantity></Origins>` +
    `<DefaultCacheBehavior><TargetOriginId>origin</TargetOriginId><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy></DefaultCacheBehavior>` +
    `<Comment></Comment><Enabled>true</Enabled>${tags}</DistributionConfig>`;
  return { status: 200, xml, headers: { ETag: `E${distributionId.slice(1, 8)}CONFIG` } };
}

function defaultDomainName(distributionId: string): string {
  return `d${distributionId.toLowerCase().slice(1)}.cloudfront.net`;
}

/**
 * ListDistributions, paged like ListInvalidations: `Marker` is the last id of the previous page.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ListDistributions.html
 */
function listDistributions(state: State, query: URLSearchParams, signer: string | undefined): Reply {
  const paging = pagingOf(query);
  if (!paging) return errorReply('InvalidArgument', 'MaxItems is invalid.');
  const all = accountDistributions(state).filter(
    (distribution) => signer === undefined || accountOfDistribution(state, distribution.id) === signer,
  );
  const start = paging.marker === '' ? 0 : all.findIndex((d) => d.id === paging.marker) + 1;
  if (start === 0 && paging.marker !== '') return errorReply('InvalidArgument', 'Marker is invalid.');
  const page = all.slice(start, start + paging.maxItems);
  const isTruncated = start + page.length < all.length;
  return { status: 200, xml: distributionListXml(page, { ...paging, isTruncated }) };
}

/** Marker and MaxItems of a list call; MaxItems defaults to 100 as CloudFront's does. */
function pagingOf(query: URLSearchParams): { marker: string; maxItems: number } | undefined {
  const maxItems = Number(query.get('MaxItems') ?? DEFAULT_MAX_ITEMS);
  if (!Number.isInteger(maxItems) || maxItems < 0) return undefined;
  return { marker: query.get('Marker') ?? '', maxItems };
}

/** Whether a record is the route's: same distribution, and same tenant (or none for both). */
function isOf(record: InvalidationRecord, route: Route): boolean {
  return record.distributionId === route.distributionId && record.tenantId === route.tenantId;
}

function createInvalidation(state: State, route: Route, body: string): Reply {
  const { distributionId } = route;
  const batch = parseInvalidationBatch(body);
  if (!batch.ok) return errorReply(batch.code, batch.message);
  const { paths, callerReference } = batch;
  const tagged = paths.some((path) => path.startsWith('#'));
  if (tagged && tagHeaderOf(state, distributionId) === undefined) {
    return errorReply(
      'InvalidArgument',
      'Cache tag invalidation requires a CacheTagConfig on the distribution.',
    );
  }
  // CallerReference rule: same reference + same paths returns the earlier invalidation; other paths fail.
  // https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_InvalidationBatch.html
  const earlier = state.records.find((r) => isOf(r, route) && r.callerReference === callerReference);
  if (earlier) {
    if (!sameSet(earlier.paths, paths)) {
      return errorReply(
        'InvalidationBatchAlreadyExists',
        'The CallerReference is already in use with other paths.',
      );
    }
    return createdReply(state, earlier);
  }
  const limitError =
    state.options.enforceLimits === false ? undefined : checkLimits(state, distributionId, paths);
  if (limitError) return limitError;
  state.created += 1;
  const record = addRecord(state, distributionId, paths, callerReference);
  if (route.tenantId !== undefined) record.tenantId = route.tenantId;
  return createdReply(state, record);
}

function createdReply(state: State, record: InvalidationRecord): Reply {
  const where =
    record.tenantId === undefined
      ? `distribution/${record.distributionId}`
      : `distribution-tenant/${record.tenantId}`;
  const location = `${state.url}/${API_VERSION}/${where}/invalidation/${record.id}`;
  const now = Date.now();
  return {
    status: 201,
    xml: invalidationXml(record, now),
    headers: { Location: location },
    invalidation: { id: record.id, status: statusAt(record, now) },
  };
}

function checkLimits(state: State, distributionId: string, paths: string[]): Reply | undefined {
  const now = Date.now();
  const inProgress = state.records
    .filter((r) => r.distributionId === distributionId && statusAt(r, now) === 'InProgress')
    .flatMap((r) => r.paths);
  const wildcards = [...inProgress, ...paths].filter((path) => path.endsWith('*')).length;
  if (inProgress.length + paths.length > MAX_PATHS_IN_PROGRESS || wildcards > MAX_WILDCARDS_IN_PROGRESS) {
    return errorReply('TooManyInvalidationsInProgress');
  }
  return undefined;
}

function addRecord(
  state: State,
  distributionId: string,
  paths: string[],
  callerReference: string,
  createTime?: Date,
): InvalidationRecord {
  const now = createTime?.getTime() ?? Date.now();
  const delay = typeof state.completeAfterMs === 'function' ? state.completeAfterMs() : state.completeAfterMs;
  const record: InvalidationRecord = {
    distributionId,
    id: newInvalidationId(state.records),
    callerReference,
    paths: [...paths],
    createTime: new Date(now),
    completesAt: new Date(now + delay),
  };
  state.records.push(record);
  return record;
}

function getInvalidation(state: State, route: Route, invalidationId: string): Reply {
  const record = state.records.find((r) => isOf(r, route) && r.id === invalidationId);
  if (!record)
    return errorReply('NoSuchInvalidation', `The specified invalidation does not exist: ${invalidationId}`);
  const now = Date.now();
  return {
    status: 200,
    xml: invalidationXml(record, now),
    invalidation: { id: record.id, status: statusAt(record, now) },
  };
}

function listInvalidations(state: State, route: Route, query: URLSearchParams): Reply {
  const marker = query.get('Marker') ?? '';
  const maxItems = Number(query.get('MaxItems') ?? DEFAULT_MAX_ITEMS);
  if (!Number.isInteger(maxItems) || maxItems < 0)
    return errorReply('InvalidArgument', 'MaxItems is invalid.');
  // Newest first by CreateTime; of two made in the same millisecond, the later added first.
  // A distribution's list holds its own invalidations, a tenant's list the tenant's.
  const newestFirst = state.records
    .filter((r) => isOf(r, route))
    .reverse()
    .sort((a, b) => b.createTime.getTime() - a.createTime.getTime());
  const start = marker === '' ? 0 : newestFirst.findIndex((r) => r.id === marker) + 1;
  if (start === 0 && marker !== '') return errorReply('InvalidArgument', 'Marker is invalid.');
  const page = newestFirst.slice(start, start + maxItems);
  const isTruncated = start + page.length < newestFirst.length;
  return { status: 200, xml: invalidationListXml(page, { marker, maxItems, isTruncated }, Date.now()) };
}

type ParsedBatch =
  | { ok: true; paths: string[]; callerReference: string }
  | { ok: false; code: string; message: string };

/** Reads the small, flat XML the SDK sends; a full XML parser is not needed for this shape. */
function parseInvalidationBatch(body: string): ParsedBatch {
  const batch = elementText(body, 'InvalidationBatch');
  const pathsXml = batch === undefined ? undefined : elementText(batch, 'Paths');
  const callerReference = batch === undefined ? undefined : elementText(batch, 'CallerReference');
  if (pathsXml === undefined || callerReference === undefined) {
    return { ok: false, code: 'MissingBody', message: 'The request body must hold an InvalidationBatch.' };
  }
  const paths = elementTexts(pathsXml, 'Path').map(decodeXml);
  const quantity = Number(elementText(pathsXml, 'Quantity'));
  if (paths.length === 0)
    return { ok: false, code: 'MissingBody', message: 'The invalidation batch has no paths.' };
  if (quantity !== paths.length) {
    return {
      ok: false,
      code: 'InconsistentQuantities',
      message: 'Quantity does not match the number of paths.',
    };
  }
  if (paths.length > MAX_PATHS_IN_PROGRESS) {
    return { ok: false, code: 'BatchTooLarge', message: 'The invalidation batch has too many paths.' };
  }
  const invalid = paths.find((path) => !validPath(path));
  if (invalid !== undefined)
    return { ok: false, code: 'InvalidArgument', message: `Invalid path: ${invalid}` };
  return { ok: true, paths, callerReference: decodeXml(callerReference) };
}

/** Inner text of the first `<name>` element (empty for `<name/>`), or undefined when absent. */
function elementText(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</${name}>)`).exec(xml);
  return match ? (match[1] ?? '') : undefined;
}

function elementTexts(xml: string, name: string): string[] {
  const pattern = new RegExp(`<${name}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</${name}>)`, 'g');
  return [...xml.matchAll(pattern)].map((match) => match[1] ?? '');
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeXml(text: string): string {
  // One pass, so `&amp;lt;` becomes `&lt;` and not `<`.
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (entity, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    return NAMED_ENTITIES[name] ?? entity;
  });
}

function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

function statusAt(record: InvalidationRecord, now: number): StandInInvalidation['status'] {
  return now >= record.completesAt.getTime() ? 'Completed' : 'InProgress';
}

function toSnapshot(record: InvalidationRecord, now: number): StandInInvalidation {
  const status = statusAt(record, now);
  const { completesAt, ...rest } = record;
  const snapshot: StandInInvalidation = { ...rest, paths: [...record.paths], status };
  if (status === 'Completed') snapshot.completedAt = completesAt;
  return snapshot;
}

function snapshots(state: State, distributionId?: string): StandInInvalidation[] {
  const now = Date.now();
  return state.records
    .filter((r) => distributionId === undefined || r.distributionId === distributionId)
    .map((r) => toSnapshot(r, now));
}

function invalidationXml(record: InvalidationRecord, now: number): string {
  const items = record.paths.map((path) => `<Path>${escapeXml(path)}</Path>`).join('');
  return (
    `${XML_DECLARATION}<Invalidation xmlns="${NAMESPACE}"><Id>${record.id}</Id>` +
    `<Status>${statusAt(record, now)}</Status><CreateTime>${record.createTime.toISOString()}</CreateTime>` +
    `<InvalidationBatch><Paths><Quantity>${record.paths.length}</Quantity><Items>${items}</Items></Paths>` +
    `<CallerReference>${escapeXml(record.callerReference)}</CallerReference></InvalidationBatch></Invalidation>`
  );
}

function invalidationListXml(
  page: InvalidationRecord[],
  paging: { marker: string; maxItems: number; isTruncated: boolean },
  now: number,
): string {
  const summaries = page.map(
    (r) =>
      `<InvalidationSummary><Id>${r.id}</Id><CreateTime>${r.createTime.toISOString()}</CreateTime>` +
      `<Status>${statusAt(r, now)}</Status></InvalidationSummary>`,
  );
  const lastId = page.at(-1)?.id;
  const nextMarker = paging.isTruncated && lastId ? `<NextMarker>${lastId}</NextMarker>` : '';
  // An empty list has no Items element at all, as CloudFront answers it.
  const items = page.length > 0 ? `<Items>${summaries.join('')}</Items>` : '';
  return (
    `${XML_DECLARATION}<InvalidationList xmlns="${NAMESPACE}"><Marker>${escapeXml(paging.marker)}</Marker>` +
    `${nextMarker}<MaxItems>${paging.maxItems}</MaxItems><IsTruncated>${paging.isTruncated}</IsTruncated>` +
    `<Quantity>${page.length}</Quantity>${items}</InvalidationList>`
  );
}

function distributionListXml(
  page: StandInDistribution[],
  paging: { marker: string; maxItems: number; isTruncated: boolean },
): string {
  const summaries = page.map((d) => {
    const cnames = d.aliases.map((alias) => `<CNAME>${escapeXml(alias)}</CNAME>`).join('');
    const aliases = `<Aliases><Quantity>${d.aliases.length}</Quantity>${cnames ? `<Items>${cnames}</Items>` : ''}</Aliases>`;
    return (
      `<DistributionSummary><Id>${d.id}</Id><ARN>arn:aws:cloudfront::123456789012:distribution/${d.id}</ARN>` +
      `<Status>Deployed</Status><LastModifiedTime>2026-01-01T00:00:00.000Z</LastModifiedTime>` +
      `<DomainName>${escapeXml(d.domainName)}</DomainName>${aliases}<Enabled>true</Enabled>` +
      `<Staging>false</Staging></DistributionSummary>`
    );
  });
  const lastId = page.at(-1)?.id;
  const nextMarker = paging.isTruncated && lastId ? `<NextMarker>${lastId}</NextMarker>` : '';
  const items = page.length > 0 ? `<Items>${summaries.join('')}</Items>` : '';
  return (
    `${XML_DECLARATION}<DistributionList xmlns="${NAMESPACE}"><Marker>${escapeXml(paging.marker)}</Marker>` +
    `${nextMarker}<MaxItems>${paging.maxItems}</MaxItems><IsTruncated>${paging.isTruncated}</IsTruncated>` +
    `<Quantity>${page.length}</Quantity>${items}</DistributionList>`
  );
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function newInvalidationId(records: InvalidationRecord[]): string {
  for (;;) {
    const id = `I${Array.from({ length: 13 }, () => ID_ALPHABET[randomInt(ID_ALPHABET.length)]).join('')}`;
    if (!records.some((r) => r.id === id)) return id;
  }
}

function sameSet(a: string[], b: string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((path) => right.has(path));
}

function errorReply(
  code: string,
  message = ERROR_MESSAGE[code] ?? code,
  status = ERROR_STATUS[code] ?? 400,
): Reply {
  const requestId = randomUUID();
  const type = status >= 500 ? 'Receiver' : 'Sender';
  const xml =
    `${XML_DECLARATION}<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>${type}</Type>` +
    `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`;
  return { status, xml, errorCode: code, headers: { 'x-amzn-RequestId': requestId } };
}

function send(res: ServerResponse, reply: Reply): void {
  const requestId = reply.headers?.['x-amzn-RequestId'] ?? randomUUID();
  res.writeHead(reply.status, {
    'Content-Type': 'text/xml',
    'Content-Length': Buffer.byteLength(reply.xml),
    'x-amzn-RequestId': requestId,
    ...reply.headers,
  });
  res.end(reply.xml);
}

/** A path (leading `/`) or a cache tag (leading `#`), as CloudFront accepts them in a batch. */
function validPath(path: string): boolean {
  if (path.startsWith('#')) return CACHE_TAG.test(path) && !path.includes('*');
  return path.startsWith('/') && path.length <= MAX_PATH_LENGTH;
}
