import { describe, expect, it } from 'vitest';
import { requestCard, sourceLine } from '../../src/adapters/slack/blocks.js';
import { previewCost } from '../../src/core/cost.js';
import { createRequest } from '../../src/core/request.js';
import { block, message, mrkdwn, type RenderContext } from '../../src/playground/web/render.js';

const context: RenderContext = {
  users: { U0PLAYALICE: 'Alice' },
  userGroups: { S0PLAYONCALL: 'oncall' },
  now: Date.UTC(2026, 10, 30, 12),
};

describe('mrkdwn on the playground page', () => {
  it.each([
    ['*bold*', '<b>bold</b>'],
    ['_italic_', '<i>italic</i>'],
    ['~gone~', '<s>gone</s>'],
    ['`web`', '<code>web</code>'],
    ['```line 1\nline 2```', '<pre>line 1\nline 2</pre>'],
    ['<@U0PLAYALICE>', '<span class="mention">@Alice</span>'],
    ['<!subteam^S0PLAYONCALL>', '<span class="mention">@oncall</span>'],
    [
      '<https://example.com/a_b|the docs>',
      '<a href="https://example.com/a_b" target="_blank" rel="noopener noreferrer">the docs</a>',
    ],
    [':white_check_mark: done', '✅ done'],
    ['*Requested by*\n<@U0PLAYALICE>', '<b>Requested by</b><br><span class="mention">@Alice</span>'],
    ['> quoted', '<blockquote>quoted</blockquote>'],
    ['snake_case_name stays', 'snake_case_name stays'],
    ['`*not bold*`', '<code>*not bold*</code>'],
  ])('renders %j', (text, html) => {
    expect(mrkdwn(text, context)).toBe(html);
  });

  it('draws a pipeline’s source line: its name and commit as code, the CI run as a link', () => {
    const line = sourceLine({
      pipeline: 'web-deploy',
      url: 'https://ci.example.com/runs/42?a=1&b=2',
      commit: '0123abcd4567ef89',
      run: 'Deploy <web> #42',
    });
    expect(mrkdwn(line, context)).toBe(
      '🤖 Requested by pipeline <code>web-deploy</code> · run <code>Deploy &lt;web&gt; #42</code> · <a href="https://ci.example.com/runs/42?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">CI run</a> · commit <code>0123abcd4567</code>',
    );
  });

  it('shows Slack dates in words, with the fallback as a title', () => {
    const seconds = Date.UTC(2026, 10, 30, 9, 5) / 1000;
    const html = mrkdwn(`<!date^${seconds}^{date_short_pretty} at {time}|2026-11-30 09:05 UTC>`, context);
    expect(html).toMatch(/^<time title="2026-11-30 09:05 UTC">Today at \d{1,2}:05 [AP]M<\/time>$/);
  });

  it.each([
    ['&lt;img src=x onerror=alert(1)&gt;', '&lt;img src=x onerror=alert(1)&gt;'],
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['"quoted" & \'single\'', '&quot;quoted&quot; &amp; &#39;single&#39;'],
    ['<javascript:alert(1)|click>', '&lt;javascript:alert(1)|click&gt;'],
  ])('never lets text become markup: %j', (text, html) => {
    expect(mrkdwn(text, context)).toBe(html);
  });
});

describe('Block Kit on the playground page', () => {
  it('draws buttons with what a click sends back, and their confirm dialog', () => {
    const html = block(
      {
        type: 'actions',
        block_id: 'decision',
        elements: [
          {
            type: 'button',
            action_id: 'invalidator.approve',
            value: 'INV-1',
            style: 'primary',
            text: { type: 'plain_text', text: 'Approve' },
            confirm: {
              title: { type: 'plain_text', text: 'Sure?' },
              text: { type: 'mrkdwn', text: '*everything*' },
              confirm: { type: 'plain_text', text: 'Approve' },
              deny: { type: 'plain_text', text: 'Back' },
            },
          },
        ],
      },
      context,
    );
    expect(html).toContain('class="button primary"');
    expect(html).toContain('data-action-id="invalidator.approve"');
    expect(html).toContain('data-value="INV-1"');
    expect(html).toContain('data-block-id="decision"');
    expect(html).toContain('data-confirm="{&quot;title&quot;:&quot;Sure?&quot;');
    expect(html).toContain('&lt;b&gt;everything&lt;/b&gt;');
  });

  it('draws the bot’s own request card, every block of it', () => {
    const created = createRequest({
      id: 'INV-ABCDEFGHJK',
      distribution: { alias: 'web', id: 'EPLAYGROUNDWEB' },
      paths: ['/assets/*'],
      reason: '<b>release</b>',
      requester: 'U0PLAYALICE',
      channel: 'C0PLAYDEPLOYS',
      createdAt: '2026-11-30T12:00:00.000Z',
      approval: {
        required: true,
        rules: [{ rule: 'wildcard', paths: ['/assets/*'] }],
        approvers: { usergroup: 'S0PLAYONCALL', users: [] },
        selfApproval: false,
      },
      cost: previewCost(1, 0, { freePathsPerMonth: 1000, pricePerPathUsd: 0.005 }),
    }).request;
    const card = requestCard(created);
    const html = message(card, context);
    expect(html).not.toContain('unsupported');
    expect(html).toContain('Invalidation INV-ABCDEFGHJK');
    expect(html).toContain('@Alice');
    expect(html).toContain('>Approve</button>');
    expect(html).toContain('>Deny</button>');
    expect(html).not.toContain('<b>release</b>');
  });
});
