import { describe, expect, it } from 'vitest';
import { noticeMessage } from '../../../src/adapters/slack/blocks.js';
import { cancel, type InvalidationRequest, type NoticeKind } from '../../../src/core/request.js';
import { cancelled, DECIDED, denied, expired, pending } from '../../core/request/fixtures.js';

const text = (request: InvalidationRequest, kind: NoticeKind) => noticeMessage(request, kind)?.text ?? '';

describe('the thread notice of how a request ended', () => {
  it.each<[string, () => InvalidationRequest, NoticeKind, string[]]>([
    ['a denial: who denied it, and why', denied, 'denied', ['denied by <@U0LEAD>', '*Reason:* no']],
    [
      'an expiry: nobody decided within the approval timeout',
      expired,
      'expired',
      ['nobody decided within 30 minutes'],
    ],
    ['a cancellation by the requester', cancelled, 'cancelled', ['cancelled by you']],
    [
      'a cancellation by someone else',
      () => cancel(pending(), 'U0OTHER', DECIDED).request,
      'cancelled',
      ['cancelled by <@U0OTHER>'],
    ],
  ])('tells the requester of %s', (_case, request, kind, fragments) => {
    const said = text(request(), kind);
    expect(said.startsWith(`<@${request().requester}>`)).toBe(true);
    for (const fragment of fragments) expect(said).toContain(fragment);
    expect(said).toContain('Nothing was submitted');
  });

  it('says "in time" for an expiry recorded before the timeout was kept', () => {
    const { timeoutMs: _timeoutMs, ...older } = expired();
    expect(text(older, 'expired')).toContain('nobody decided in time');
  });

  it.each<[NoticeKind, () => InvalidationRequest]>([
    ['denied', pending],
    ['expired', denied],
    ['cancelled', expired],
  ])('draws no %s notice for a request that did not end that way', (kind, request) => {
    expect(noticeMessage(request(), kind)).toBeUndefined();
  });
});
