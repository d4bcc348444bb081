import { describe, expect, it } from 'vitest';
import {
  cardChanged,
  drawnByNextStep,
  type InvalidationRequest,
  leftToWorker,
  moreSubmitted,
  noticeRetry,
  noticeSent,
  noticeTried,
  queue,
  reminderDue,
  retryLater,
  watchdog,
  whilePending,
} from '../../../src/core/request.js';
import {
  approved,
  CAPACITY,
  cancelled,
  completed,
  DECIDED,
  DONE,
  denied,
  EXPIRY,
  expired,
  failedRequest,
  inProgress,
  partlySubmitted,
  pending,
  queued,
  REMIND,
  reminding,
  SUBMITTED,
  withIds,
} from './fixtures.js';

type Pair = [string, () => InvalidationRequest, () => InvalidationRequest];

describe('cardChanged', () => {
  it.each<Pair>([
    ['a pending request approved', pending, approved],
    ['a pending request denied', pending, denied],
    ['a pending request expired', pending, expired],
    ['a pending request cancelled', pending, cancelled],
    ['an approved request queued', approved, queued],
    ['an approved request submitted', approved, () => inProgress()],
    [
      'a queued request whose reason changes',
      queued,
      () => ({ ...queued(), queue: { code: 'behind_older' } }),
    ],
    [
      'the figures of a capacity queue',
      queued,
      () => ({ ...queued(), queue: { ...CAPACITY, inFlightPaths: 12 } }),
    ],
    [
      'a further batch accepted',
      partlySubmitted,
      () => {
        const request = partlySubmitted();
        return moreSubmitted(request, withIds(request.batches), DONE).request;
      },
    ],
    ['an in-progress request completed', () => inProgress(), completed],
    ['an in-progress request failed', () => inProgress(), failedRequest],
    [
      'a denial with another reason',
      denied,
      () => ({ ...denied(), decision: { ...denied().decision, reason: 'x' } }),
    ],
  ])('says the card changes for %s', (_case, from, to) => {
    expect(cardChanged(from(), to())).toBe(true);
  });

  it.each<Pair>([
    ['the same request', pending, pending],
    ['a reminder due', pending, () => reminderDue(pending(), REMIND).request],
    ['a reminder tried and sent', reminding, () => noticeSent(noticeTried(reminding()), REMIND).request],
    ['a notice retried later', completed, () => noticeRetry(completed(), DONE, 5_000)],
    ['a submission retried later', approved, () => retryLater(approved(), DECIDED, 5_000)],
    ['a queued request looked at again', queued, () => queue(queued(), CAPACITY, DECIDED, 30_000).request],
    ['the watchdog', () => inProgress(), () => watchdog(inProgress(), SUBMITTED)],
    ['a card marked stale', denied, () => ({ ...denied(), cardStale: true as const })],
  ])('says the card stays as it is for %s', (_case, from, to) => {
    expect(cardChanged(from(), to())).toBe(false);
  });
});

describe('drawnByNextStep', () => {
  it.each<[string, () => InvalidationRequest, boolean]>([
    ['an approval, drawn by its submission', approved, true],
    ['a completion, drawn with its notice', completed, true],
    ['a failure, drawn with its notice', failedRequest, true],
    ['a denial, drawn with its notice', denied, true],
    ['a cancellation, drawn with its notice', cancelled, true],
    ['an expiry, drawn with its notice', expired, true],
    ['a pending request with its reminder waiting', reminding, false],
  ])('%s: %s', (_case, request, drawn) => {
    expect(drawnByNextStep(request())).toBe(drawn);
  });
});

describe('leftToWorker', () => {
  it('marks a change the card shows, that nothing else draws, stale and due now', () => {
    const requeued = queue(queued(), { code: 'behind_older' }, DECIDED, 60_000);
    expect(leftToWorker(queued(), requeued, DECIDED).request).toMatchObject({
      status: 'queued',
      cardStale: true,
      dueAt: DECIDED,
    });
  });

  it.each<[string, () => InvalidationRequest]>([
    ['a denial', denied],
    ['a cancellation', cancelled],
    ['an expiry', expired],
  ])('leaves %s to the step that tells the requester, which draws the card first', (_case, ending) => {
    const transition = { request: ending() };
    expect(leftToWorker(pending(), transition, DECIDED)).toBe(transition);
  });

  it.each<[string, () => InvalidationRequest, () => InvalidationRequest]>([
    ['an approval (its submission draws it)', pending, approved],
    ['a reminder due (the card does not change)', pending, () => reminderDue(pending(), REMIND).request],
  ])('leaves %s as it is', (_case, from, to) => {
    const transition = { request: to() };
    expect(leftToWorker(from(), transition, DECIDED)).toBe(transition);
  });
});

describe('whilePending', () => {
  const save = (request: InvalidationRequest) => ({ kind: 'save' as const, transition: { request } });

  it('makes the change on a pending request before its expiry', () => {
    expect(whilePending(pending(), DECIDED, () => save(approved()))).toEqual(save(approved()));
  });

  it('expires a request past its expiry first, whatever the change was', () => {
    const verdict = whilePending(pending(), EXPIRY, () => save(approved()));
    expect(verdict).toMatchObject({ kind: 'save_first', transition: { request: { status: 'expired' } } });
  });

  it.each([
    ['decided', denied],
    ['expired', expired],
    ['cancelled', cancelled],
  ])('answers a request already %s with that request', (_case, request) => {
    expect(whilePending(request(), DECIDED, () => save(approved()))).toEqual({
      kind: 'answer',
      answer: { code: 'already_decided', request: request() },
    });
  });
});
