import { describe, expect, it } from 'vitest';
import { previewCost } from '../../../src/core/cost.js';
import {
  applyDecision,
  CARD_RETRY_MS,
  cancel,
  cardPosted,
  cardRedrawn,
  createRequest,
  type InvalidationRequest,
  type NewRequest,
  noticeSent,
  type RequestIn,
  redrawLater,
  redrawRetry,
} from '../../../src/core/request.js';
import { addMs } from '../../../src/core/schedule.js';

const CREATED = '2026-05-04T10:00:00.000Z';
const POSTED = '2026-05-04T10:00:01.000Z';
const DECIDED = '2026-05-04T10:05:00.000Z';
const REDRAWN = '2026-05-04T10:05:04.000Z';
const CARD = { channel: 'C0123DEPLOY', ts: '1714816801.000100' };

const input: NewRequest = {
  id: 'req-01JABCDEF',
  distribution: { alias: 'web', id: 'E2ABCDEF123XYZ' },
  paths: ['/images/*'],
  requester: 'U0DEV',
  channel: CARD.channel,
  createdAt: CREATED,
  approval: {
    required: true,
    rules: [{ rule: 'wildcard', paths: ['/images/*'] }],
    approvers: { users: ['U0LEAD'] },
    selfApproval: false,
  },
  cost: previewCost(1, 0, { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 }),
};

function pending(): RequestIn<'pending_approval'> {
  const { request } = cardPosted(createRequest(input).request, CARD, POSTED, 30 * 60_000);
  if (request.status !== 'pending_approval') throw new Error(`expected pending, got ${request.status}`);
  return request;
}

const denied = () => applyDecision(pending(), { outcome: 'denied', by: 'U0LEAD', reason: 'sale' }, DECIDED);
const cancelled = () => cancel(pending(), 'U0DEV', DECIDED);

describe('a card left for the worker to post or redraw', () => {
  it('is due for posting at once when the worker posts every card, and after the retry delay otherwise', () => {
    expect(createRequest(input, 0).request.dueAt).toBe(CREATED);
    expect(createRequest(input).request.dueAt).toBe(addMs(CREATED, CARD_RETRY_MS));
  });

  it.each([
    ['denial', denied],
    ['cancellation', cancelled],
  ])('marks a %s stale and due now, in the same write as its audit event', (_name, change) => {
    const plain = change();
    const marked = redrawLater(plain, DECIDED);
    expect(marked.request).toEqual({ ...plain.request, cardStale: true, dueAt: DECIDED });
    expect(marked.event).toEqual(plain.event);
  });

  it('drops the mark and the due time of a finished request once redrawn, as one more version', () => {
    const told = noticeSent(denied().request, DECIDED);
    const marked = redrawLater(told, DECIDED).request;
    const redrawn: InvalidationRequest = cardRedrawn(marked, REDRAWN);
    expect(redrawn).not.toHaveProperty('cardStale');
    expect(redrawn).not.toHaveProperty('dueAt');
    expect(redrawn.version).toBe(marked.version + 1);
    expect(redrawn.status).toBe('denied');
  });

  it('keeps the mark when a redraw is to be tried again later', () => {
    const marked = redrawLater(cancelled(), DECIDED).request;
    const retry = redrawRetry(marked, REDRAWN, 5_000);
    expect(retry).toMatchObject({ cardStale: true, dueAt: addMs(REDRAWN, 5_000) });
    expect(retry.version).toBe(marked.version + 1);
  });
});
