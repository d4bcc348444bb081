import { describe, expect, it } from 'vitest';
import {
  type AlreadyDecided,
  applyDecision,
  cardPosted,
  type InvalidationRequest,
  leftToWorker,
  reminderDue,
  type Transition,
  whilePending,
} from '../../src/core/request.js';
import { addMs } from '../../src/core/schedule.js';
import { CALLER_NOTICE_HOLD_MS, type Change, changeRequest } from '../../src/usecases/change-request.js';
import type { Counters, Requests } from '../../src/usecases/ports.js';
import { showChange } from '../../src/usecases/show-change.js';
import {
  CARD,
  created,
  DECIDED,
  EXPIRY,
  ID,
  POSTED,
  pending,
  REMIND,
  TIMEOUT_MS,
} from '../core/request/fixtures.js';
import { MemoryStores } from '../support/memory-ports.js';

const DENY_BY_CALLER: Change<AlreadyDecided> = {
  verdict: (request, now) =>
    whilePending(request, now, (p) => ({
      kind: 'save',
      transition: applyDecision(p, { outcome: 'denied', by: 'U0LEAD', reason: 'no' }, now),
    })),
};

const APPROVE: Change<AlreadyDecided> = {
  verdict: (request, now) =>
    whilePending(request, now, (p) => ({
      kind: 'save',
      transition: applyDecision(p, { outcome: 'approved', by: 'U0LEAD' }, now),
    })),
};

/** Use-case services over the stores in memory, the clock at `now`; `released` lists reservations given back. */
function world(seeded: InvalidationRequest = pending(), now = DECIDED) {
  const store = new MemoryStores();
  store.seed(seeded);
  const released: string[] = [];
  const counters = {
    release: async (_scope: string, id: string) => {
      released.push(id);
      return true;
    },
  } as unknown as Counters;
  const services = { requests: store.requests, counters, clock: { now: () => now } };
  return { store, services, released };
}

/** Lets `first` write first each time a save is tried, as another process would. */
function racing(requests: Requests, first: () => Promise<void>): Requests {
  const save = async (transition: Transition) => {
    await first();
    return requests.save(transition);
  };
  return { ...requests, save };
}

describe('changeRequest', () => {
  it('saves the change on the version it read', async () => {
    const { store, services } = world();
    const changed = await changeRequest(services, ID, APPROVE);
    expect(changed).toMatchObject({ kind: 'saved', request: { status: 'approved', version: 2 } });
    expect(changed.recorded).toMatchObject({
      before: { status: 'pending_approval' },
      after: { status: 'approved' },
    });
    expect(store.saved).toHaveLength(1);
  });

  it('reads again and decides again when a reminder landed first', async () => {
    const { store, services } = world();
    let reminded = false;
    const requests = racing(store.requests, async () => {
      if (reminded) return;
      reminded = true;
      await store.requests.save(reminderDue(pending(), REMIND));
    });
    const changed = await changeRequest({ ...services, requests }, ID, APPROVE);
    expect(changed).toMatchObject({ kind: 'saved', request: { status: 'approved', version: 3 } });
  });

  it('answers with the decision that landed first, and writes nothing more', async () => {
    const { store, services } = world();
    const denial = applyDecision(pending(), { outcome: 'denied', by: 'U0OTHER', reason: 'no' }, DECIDED);
    const requests = racing(store.requests, async () => void (await store.requests.save(denial)));
    const changed = await changeRequest({ ...services, requests }, ID, APPROVE);
    expect(changed).toEqual({
      kind: 'answered',
      answer: { code: 'already_decided', request: denial.request },
    });
    expect(store.saved).toEqual([denial]);
  });

  it('records a due expiry first, gives back the reservation and answers with it', async () => {
    const { store, services, released } = world(pending(), EXPIRY);
    const changed = await changeRequest(services, ID, APPROVE);
    expect(changed).toMatchObject({
      kind: 'answered',
      answer: { code: 'already_decided', request: { status: 'expired' } },
      recorded: { before: { status: 'pending_approval' }, after: { status: 'expired' } },
    });
    expect(store.saved.map((t) => t.request.status)).toEqual(['expired']);
    expect(released).toEqual([ID]);
  });

  it('gives up after a bounded number of rounds when other writes keep landing first', async () => {
    const { store, services } = world();
    const requests: Requests = { ...store.requests, save: async () => false };
    const changed = await changeRequest({ ...services, requests }, ID, APPROVE);
    expect(changed).toMatchObject({ kind: 'busy', request: { status: 'pending_approval' } });
  });

  it('waits for a card just posted to be recorded instead of refusing the click', async () => {
    const { store, services } = world(created());
    setTimeout(() => void store.requests.save(cardPosted(created(), CARD, POSTED, TIMEOUT_MS)), 150);
    const changed = await changeRequest(services, ID, APPROVE);
    expect(changed).toMatchObject({ kind: 'saved', request: { status: 'approved' } });
  });

  it('stops at the check, writing nothing', async () => {
    const { store, services } = world();
    const check = async () => 'refused' as const;
    const changed = await changeRequest<AlreadyDecided | 'refused'>(services, ID, { ...APPROVE, check });
    expect(changed).toEqual({ kind: 'answered', answer: 'refused' });
    expect(store.saved).toHaveLength(0);
  });

  it('answers a request that does not exist', async () => {
    const { services } = world();
    expect(await changeRequest(services, 'INV-NOSUCHONE', APPROVE)).toEqual({ kind: 'not_found' });
  });

  const DENY = (followUps?: 'worker'): Change<AlreadyDecided> => ({
    verdict: (request, now) =>
      whilePending(request, now, (p) => ({
        kind: 'save',
        transition: applyDecision(p, { outcome: 'denied', by: 'U0LEAD', reason: 'no' }, now),
      })),
    ...(followUps ? { followUps } : {}),
  });

  it('saves an ending left to the worker with its notice due now, for the worker to post and draw', async () => {
    const { services, released } = world();
    const changed = await changeRequest(services, ID, DENY('worker'));
    expect(changed).toMatchObject({
      kind: 'saved',
      request: { status: 'denied', outbox: { kind: 'denied', tries: 0 }, dueAt: DECIDED },
    });
    expect(changed.kind === 'saved' && changed.request.cardStale).toBeFalsy();
    expect(changed.recorded?.noticeTriedBefore).toBeUndefined();
    expect(released).toEqual([ID]);
  });

  it("holds an ending's notice for its caller to post, its attempt recorded in the same write", async () => {
    const { store, services } = world();
    const changed = await changeRequest(services, ID, DENY());
    const hold = addMs(DECIDED, CALLER_NOTICE_HOLD_MS);
    expect(changed).toMatchObject({
      kind: 'saved',
      request: { status: 'denied', outbox: { kind: 'denied', tries: 1 }, dueAt: hold },
    });
    expect(changed.recorded?.noticeTriedBefore).toBe(hold);
    expect(store.saved).toHaveLength(1);
  });
});

describe('showChange', () => {
  function drawing() {
    const store = new MemoryStores();
    const drawn: string[] = [];
    let woken = 0;
    const services = {
      requests: store.requests,
      cards: { update: async (r: InvalidationRequest) => void drawn.push(r.status) },
      logger: { warn: () => {} },
      wake: () => void woken++,
    } as unknown as Parameters<typeof showChange>[0] & { wake: () => void };
    return { services, drawn, woken: () => woken };
  }
  const approval = () => ({
    before: pending(),
    after: applyDecision(pending(), { outcome: 'approved', by: 'U0LEAD' }, DECIDED).request,
  });

  it('redraws the card now for a change it shows', async () => {
    const { services, drawn } = drawing();
    await showChange(services, approval());
    expect(drawn).toEqual(['approved']);
  });

  it('leaves the card alone for a change it does not show, or none', async () => {
    const { services, drawn } = drawing();
    await showChange(services, { before: pending(), after: reminderDue(pending(), REMIND).request });
    await showChange(services, undefined);
    expect(drawn).toEqual([]);
  });

  it('posts the notice of an ending held for it, once, after drawing the card', async () => {
    const store = new MemoryStores();
    store.seed(pending());
    const steps: string[] = [];
    const services = {
      requests: store.requests,
      clock: { now: () => DECIDED },
      counters: { release: async () => true },
      ids: { random: () => 0.5 },
      cards: {
        update: async (r: InvalidationRequest) => void steps.push(`card ${r.status}`),
        notify: async (_r: InvalidationRequest, kind: string) => void steps.push(`notice ${kind}`),
        hasNotice: async () => false,
      },
      logger: { warn: () => {} },
    } as unknown as Parameters<typeof showChange>[0] & Parameters<typeof changeRequest>[0];
    const changed = await changeRequest(services, ID, DENY_BY_CALLER);
    await showChange(services, changed.recorded);
    expect(steps).toEqual(['card denied', 'notice denied']);
    const stored = (await store.requests.get(ID))?.request;
    expect(stored).toMatchObject({ noticesSent: ['denied'] });
    expect(stored).not.toHaveProperty('outbox');
    expect(stored).not.toHaveProperty('dueAt');
  });

  it('wakes the worker for a change left to it, and draws nothing itself', async () => {
    const { services, drawn, woken } = drawing();
    const denial = applyDecision(pending(), { outcome: 'denied', by: 'U0LEAD', reason: 'no' }, DECIDED);
    await showChange(
      services,
      { before: pending(), after: leftToWorker(pending(), denial, DECIDED).request },
      'worker',
    );
    // An approval is not marked: its submission draws the card, and the approval itself wakes the worker.
    await showChange(services, approval(), 'worker');
    expect(drawn).toEqual([]);
    expect(woken()).toBe(1);
  });
});
