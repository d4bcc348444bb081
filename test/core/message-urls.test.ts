import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_PATHS, urlsInMessage } from '../../src/core/message-urls.js';

describe('urlsInMessage', () => {
  it.each([
    [
      'a wrapped link',
      'Deployed <https://www.example.com/app/index.html>',
      ['https://www.example.com/app/index.html'],
    ],
    [
      'a link with a label',
      'See <https://cdn.example.com/a.css|the stylesheet>',
      ['https://cdn.example.com/a.css'],
    ],
    [
      'a query string, kept; a fragment, dropped',
      '<https://x.io/p?v=2&amp;a=b#top>',
      ['https://x.io/p?v=2&a=b'],
    ],
    [
      'a bare URL before a full stop',
      'now live at https://x.io/docs/intro.html.',
      ['https://x.io/docs/intro.html'],
    ],
    ['a host alone', 'https://x.io', ['https://x.io']],
    ['no http links', 'mailto:<mailto:a@b.c|a@b.c> <#C123|deploys> ftp://x.io/a /not/a/url', []],
    [
      'duplicates, once',
      '<https://a.io/x> https://b.io/x <https://a.io/x|again> https://a.io/y',
      ['https://a.io/x', 'https://b.io/x', 'https://a.io/y'],
    ],
  ])('reads %s', (_name, text, expected) => {
    expect(urlsInMessage({ text }).urls).toEqual(expected);
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
    const found = urlsInMessage({ text: '', blocks, attachments });
    expect(found.urls).toEqual([
      'https://x.io/blog/post',
      'https://x.io/release/4.2',
      'https://x.io/changelog',
    ]);
    expect(found.hosts).toEqual(['x.io']);
  });

  it('takes at most MAX_MESSAGE_PATHS from a huge message and counts the rest', () => {
    const text = Array.from({ length: MAX_MESSAGE_PATHS + 250 }, (_, i) => `https://x.io/p/${i}`).join(' ');
    const found = urlsInMessage({ text: `${text} ${text}` });
    expect(found.urls).toHaveLength(MAX_MESSAGE_PATHS);
    expect(found.more).toBe(250);
  });

  it('gives the distinct hosts, lower-cased, in order of appearance', () => {
    const text = 'https://WWW.Example.com/a https://cdn.example.com/b https://www.example.com:443/c';
    expect(urlsInMessage({ text }).hosts).toEqual(['www.example.com', 'cdn.example.com']);
  });
});
