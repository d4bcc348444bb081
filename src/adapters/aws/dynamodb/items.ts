import * as z from 'zod';
import {
  type AuditEvent,
  type Batch,
  type BatchWithPaths,
  type CommandRefusalRecord,
  type InvalidationRequest,
  indexedBatches,
  Status,
} from '../../../core/request.js';
import type { StoredRequest } from '../../../usecases/ports.js';
import type { Item } from './table.js';

/** Items are parsed on read: the fields the bot branches on are checked, the rest is the shape it wrote. */
const storedSchema = z.object({
  version: z.number().int(),
  request: z.looseObject({
    id: z.string(),
    status: z.enum(Object.values(Status)),
    version: z.number().int(),
  }),
  events: z.array(z.looseObject({ type: z.string(), key: z.string(), at: z.string() })).default([]),
  refusalsNotKept: z.number().int().optional(),
  lastRefusalNotKeptAt: z.string().optional(),
});

const commandRefusalSchema = z.object({
  refusal: z.looseObject({ id: z.string(), at: z.string(), code: z.string(), user: z.string() }),
});

/** A request item as the stores return it: the request, its events, and its refusals only counted. */
export function parseStored(item: Item): StoredRequest {
  const parsed = storedSchema.parse(item);
  const stored: StoredRequest = {
    request: withIndexedBatches(parsed.request as unknown as InvalidationRequest),
    events: parsed.events as unknown as AuditEvent[],
  };
  if (parsed.refusalsNotKept !== undefined) {
    stored.refusalsNotKept = { count: parsed.refusalsNotKept, lastAt: parsed.lastRefusalNotKeptAt ?? '' };
  }
  return stored;
}

/** A refused command's item. */
export function parseCommandRefusal(item: Item): CommandRefusalRecord {
  return commandRefusalSchema.parse(item).refusal as unknown as CommandRefusalRecord;
}

/** Items written before batches indexed the request's paths keep a copy of them in each batch. */
function withIndexedBatches(request: InvalidationRequest): InvalidationRequest {
  if (!('batches' in request)) return request;
  const batches = request.batches as ReadonlyArray<Batch | BatchWithPaths>;
  return { ...request, batches: indexedBatches(batches) };
}
