import { describe, expect, it } from 'vitest';
import {
  accept,
  dismiss,
  expire,
  foldToFit,
  openProposal,
  proposalHeadline,
  proposalReason,
} from '../../src/core/proposal.js';
import { addMs } from '../../src/core/schedule.js';
import { newProposal, PROPOSED_AT } from '../support/proposals.js';

const AT = PROPOSED_AT;

const input = newProposal(['/index.html', '/', '/docs/index.html', '/docs/']);

describe('a deploy proposal', () => {
  it('is open until its minutes are up, then expires once', () => {
    const open = openProposal(input, 120);
    expect(open).toMatchObject({ status: 'open', version: 0, expiresAt: addMs(AT, 120 * 60_000) });
    expect(expire(open, addMs(AT, 119 * 60_000))).toBe(open);
    const expired = expire(open, addMs(AT, 120 * 60_000));
    expect(expired).toMatchObject({ status: 'expired', version: 1, at: addMs(AT, 120 * 60_000) });
    expect(expire(expired, addMs(AT, 200 * 60_000))).toBe(expired);
  });

  it('is accepted or dismissed once, and neither after it expired', () => {
    const open = openProposal(input, 120);
    const accepted = accept(open, 'U0DEV', 'INV-0000000007', addMs(AT, 60_000));
    expect(accepted).toMatchObject({
      ok: true,
      proposal: { status: 'accepted', by: 'U0DEV', requestId: 'INV-0000000007', version: 1 },
    });
    if (!accepted.ok) throw new Error('not accepted');
    expect(dismiss(accepted.proposal, 'U0LEAD', addMs(AT, 61_000))).toEqual({
      ok: false,
      refusal: { code: 'not_open', status: 'accepted' },
    });
    expect(accept(open, 'U0DEV', 'INV-0000000008', addMs(AT, 121 * 60_000))).toEqual({
      ok: false,
      refusal: { code: 'proposal_expired' },
    });
    const dismissed = dismiss(open, 'U0LEAD', addMs(AT, 60_000));
    expect(dismissed).toMatchObject({ ok: true, proposal: { status: 'dismissed', by: 'U0LEAD' } });
  });

  it('reads as the deploy it follows', () => {
    expect(proposalReason(input)).toBe('deploy to my-site at 14:02');
    expect(proposalHeadline(input)).toEqual({
      changed: '37 objects (12 new, 3 deleted)',
      question: 'Invalidate the 22 that edges may hold?',
    });
    expect(
      proposalHeadline({
        objects: { changed: 1, created: 1, deleted: 0 },
        leftOut: { hashed: 0, created: 1 },
      }),
    ).toEqual({
      changed: '1 object (1 new)',
      question: 'No edge can hold an old copy of any of them: nothing to invalidate.',
    });
    expect(
      proposalHeadline({
        objects: { changed: 2500, created: 0, deleted: 0 },
        leftOut: { hashed: 0, created: 0 },
      }).question,
    ).toBe('Invalidate the 2,500 that edges may hold?');
  });
});

describe('folding a deploy too large for one request', () => {
  const atMost = (n: number) => (paths: readonly string[]) => paths.length <= n;

  it('keeps paths that fit as they are', () => {
    expect(foldToFit(['/a.html', '/b/c.html'], atMost(2))).toEqual({
      paths: ['/a.html', '/b/c.html'],
      folded: [],
    });
  });

  it('folds the folders with the most paths first, one at a time, until the rest fits', () => {
    const docs = Array.from({ length: 40 }, (_, i) => `/docs/page-${i}.html`);
    const img = Array.from({ length: 10 }, (_, i) => `/img/logo-${i}.png`);
    const blog = Array.from({ length: 6 }, (_, i) => `/blog/post-${i}.html`);
    const paths = ['/index.html', ...docs, ...img, ...blog];
    expect(foldToFit(paths, atMost(30))).toEqual({
      paths: ['/index.html', '/docs/*', ...img, ...blog],
      folded: ['/docs/*'],
    });
    expect(foldToFit(paths, atMost(5))).toEqual({
      paths: ['/index.html', '/docs/*', '/img/*', '/blog/*'],
      folded: ['/docs/*', '/img/*', '/blog/*'],
    });
  });

  it('proposes the whole distribution when no folder gathers enough of them', () => {
    const atRoot = Array.from({ length: 50 }, (_, i) => `/page-${i}.html`);
    expect(foldToFit(atRoot, atMost(10))).toEqual({ paths: ['/*'], folded: ['/*'] });
  });
});
