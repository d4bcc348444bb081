import { describe, expect, it } from 'vitest';
import { type InvalidationRequest, type NoticeKind, noticeTriedWith } from '../../src/core/request.js';
import { addMs } from '../../src/core/schedule.js';
import type { Cards } from '../../src/usecases/ports.js';
import { sendNotice } from '../../src/usecases/send-notice.js';
import { completed } from '../core/request/fixtures.js';
import { MemoryStores } from '../support/memory-ports.js';

const NOW = '2026-05-04T10:08:00.000Z';

/** Cards that note every Slack call made to them. */
function noteCalls(calls: string[]): Cards {
  return {
    permalink: async () => undefined,
    post: async () => {
      throw new Error('no card is posted here');
    },
    update: async () => void calls.push('update'),
    postProposal: async () => {
      throw new Error('no proposal is posted here');
    },
    updateProposal: async () => void calls.push('updateProposal'),
    warnBudget: async () => void calls.push('warnBudget'),
    notify: async (_request: InvalidationRequest, kind: NoticeKind) => void calls.push(`notify ${kind}`),
    hasNotice: async () => {
      calls.push('hasNotice');
      return false;
    },
  };
}

/** A completed request whose notice attempt went in with the completing write, as a poll writes it. */
function triedWithCompletion(store: MemoryStores) {
  const done = completed();
  const tried = noticeTriedWith({ request: done }, addMs(NOW, 30_000)).request;
  store.seed(tried);
  return tried;
}

describe('sendNotice', () => {
  const services = (store: MemoryStores, calls: string[]) => ({
    cards: noteCalls(calls),
    clock: { now: () => NOW },
    ids: { requestId: () => 'INV-X', refusalId: () => 'REF-X', random: () => 0.5 },
    logger: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    requests: store.requests,
  });

  it('posts at once a notice whose attempt its writer recorded, writing only its delivery', async () => {
    const store = new MemoryStores();
    const request = triedWithCompletion(store);
    const calls: string[] = [];
    await sendNotice(services(store, calls), request, addMs(NOW, 15_000));
    expect(calls).toEqual(['update', 'notify completed']);
    expect(store.saved).toHaveLength(1);
    expect(store.saved[0]?.request).toMatchObject({ noticesSent: ['completed'] });
    expect(store.saved[0]?.request.outbox).toBeUndefined();
  });

  it('looks in the thread and records its own attempt once the writer’s time is past', async () => {
    const store = new MemoryStores();
    const request = triedWithCompletion(store);
    const calls: string[] = [];
    await sendNotice(services(store, calls), request, NOW);
    expect(calls).toEqual(['update', 'hasNotice', 'notify completed']);
    expect(store.saved.map((saved) => saved.request.outbox?.tries)).toEqual([2, undefined]);
  });
});
