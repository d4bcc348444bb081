import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_PATHS, pathsInMessage } from '../../src/core/message-urls.js';

describe('pathsInMessage', () => {
  it.each([
    ['a wrapped link', 'Deployed <https://www.example.com/app/index.html>', ['/app/index.html']],
    ['a link with a label', 'See <https://cdn.example.com/a.css|the stylesheet>', ['/a.css']],
    ['a query string, kept; a fragment, dropped', '<https://x.io/p?v=2&amp;a=b#top>', ['/p?v=2&a=b']],
    ['a bare URL before a full stop', 'now live at https://x.io/docs/intro.html.', ['/docs/intro.html']],
    ['a host alone', 'https://x.io', ['/']],
    ['no http links', 'mailto:<mailto:a@b.c|a@b.c> <#C123|deploys> ftp://x.io/a /not/a/url', []],
    [
      'duplicates, once',
      '<https://a.io/x> https://b.io/x <https://a.io/x|again> https://a.io/y',
      ['/x', '/y'],
    ],
  ])('reads %s', (_name, text, expected) => {
    expect(pathsInMessage({ text }).paths).toEqual(expected);
  });

  it('reads links in blocks and attachments, not their pictures', () => {
    const blocks = [
      {
        type: 'rich_text',
        elements: [
          { type: 'rich_text_section', elements: [{ type: 'link', url: 'https://x.io/blog/post' }] },
        ],
      },
      { type: 'image', image_url: 'https://img.io/logo.png', alt_text: 'logo' },
      { type: 'actions', elements: [{ type: 'button', url: 'https://x.io/release/4.2' }] },
    ];
    const attachments = [{ title_link: 'https://x.io/changelog', footer_icon: 'https://img.io/icon.png' }];
    expect(pathsInMessage({ text: '', blocks, attachments }).paths).toEqual([
      '/blog/post',
      '/release/4.2',
      '/changelog',
    ]);
  });

  it('takes at most MAX_MESSAGE_PATHS from a huge message and counts the rest', () => {
    const text = Array.from({ length: MAX_MESSAGE_PATHS + 250 }, (_, i) => `https://x.io/p/${i}`).join(' ');
    const found = pathsInMessage({ text: `${text} ${text}` });
    expect(found.paths).toHaveLength(MAX_MESSAGE_PATHS);
    expect(found.more).toBe(250);
  });
});
