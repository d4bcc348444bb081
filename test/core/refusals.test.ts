import { describe, expect, it } from 'vitest';
import { previewCost } from '../../src/core/cost.js';
import {
  COMMAND_TEXT_KEPT,
  cardPosted,
  createRequest,
  type RequestIn,
  refusedClick,
  refusedCommand,
} from '../../src/core/request.js';

const AT = '2026-05-04T10:06:00.000Z';

function pending(): RequestIn<'pending_approval'> {
  const { request } = createRequest({
    id: 'INV-0000000001',
    distribution: { alias: 'web', id: 'E2ABCDEF123XYZ' },
    paths: ['/images/*'],
    requester: 'U0DEV',
    channel: 'C0123DEPLOY',
    createdAt: '2026-05-04T10:00:00.000Z',
    approval: {
      required: true,
      rules: [{ rule: 'wildcard', paths: ['/images/*'] }],
      approvers: { users: ['U0LEAD'] },
      selfApproval: false,
    },
    cost: previewCost(1, 0, { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 }),
  });
  const posted = cardPosted(request, { channel: 'C0123DEPLOY', ts: '1.000100' }, request.createdAt, 60_000);
  if (posted.request.status !== 'pending_approval') throw new Error('expected a pending request');
  return posted.request;
}

describe('refusedClick', () => {
  it('records who clicked what and why it was refused, keyed by the refusal', () => {
    const request = pending();
    expect(
      refusedClick(request, { action: 'approve', code: 'own_request', by: 'U0DEV', refusalId: 'REF-1' }, AT),
    ).toEqual({
      requestId: 'INV-0000000001',
      type: 'refused',
      key: 'refused#REF-1',
      at: AT,
      actor: 'U0DEV',
      details: { action: 'approve', refusal: 'own_request' },
    });
  });

  it('gives two refusals of the same person and action different keys', () => {
    const request = pending();
    const input = { action: 'cancel', code: 'not_requester', by: 'U0OTHER' } as const;
    const first = refusedClick(request, { ...input, refusalId: 'REF-1' }, AT);
    const second = refusedClick(request, { ...input, refusalId: 'REF-2' }, AT);
    expect(first.key).not.toBe(second.key);
  });

  it('leaves the request as it was', () => {
    const request = pending();
    const before = structuredClone(request);
    refusedClick(request, { action: 'deny', code: 'not_an_approver', by: 'U0X', refusalId: 'REF-1' }, AT);
    expect(request).toEqual(before);
  });
});

describe('refusedCommand', () => {
  const base = {
    id: 'REF-1',
    at: AT,
    user: 'U0OUT',
    channel: 'C0OTHER',
    distribution: { alias: 'web', id: 'E2ABCDEF123XYZ' },
    code: 'channel_not_allowed',
  } as const;

  it('keeps a short command whole', () => {
    expect(refusedCommand({ ...base, text: 'web /a.html' })).toEqual({
      ...base,
      command: 'web /a.html',
      truncated: false,
    });
  });

  it.each([
    [COMMAND_TEXT_KEPT, false],
    [COMMAND_TEXT_KEPT + 1, true],
    [50_000, true],
  ])('keeps at most the first characters of a %i-character command', (length, truncated) => {
    const text = `web ${'/a'.repeat(length)}`.slice(0, length);
    const record = refusedCommand({ ...base, text });
    expect(record.command).toBe(text.slice(0, COMMAND_TEXT_KEPT));
    expect(record.truncated).toBe(truncated);
  });
});
