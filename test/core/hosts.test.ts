import { describe, expect, it } from 'vitest';
import {
  domainMatches,
  hostsOf,
  isHostname,
  itemOf,
  matchHost,
  normaliseHost,
  pathOf,
} from '../../src/core/hosts.js';

describe('itemOf', () => {
  it.each([
    ['a path', '/a.js', { kind: 'plain', text: '/a.js' }],
    ['a cache tag', '#product', { kind: 'plain', text: '#product' }],
    [
      'a URL',
      'https://www.example.com/app/main.css',
      { kind: 'url', host: 'www.example.com', path: '/app/main.css' },
    ],
    ['the site root', 'https://www.example.com/', { kind: 'url', host: 'www.example.com', path: '/' }],
    ['a host alone', 'https://www.example.com', { kind: 'url', host: 'www.example.com', path: '/' }],
    [
      'a query, kept',
      'http://a.example.com/a.js?v=2&x=1',
      { kind: 'url', host: 'a.example.com', path: '/a.js?v=2&x=1' },
    ],
    [
      'a query at the root',
      'https://a.example.com?v=2',
      { kind: 'url', host: 'a.example.com', path: '/?v=2' },
    ],
    [
      'a fragment, dropped',
      'https://a.example.com/p.html#top',
      { kind: 'url', host: 'a.example.com', path: '/p.html' },
    ],
    [
      'a host in capitals, a port, user info',
      'HTTPS://me@WWW.Example.COM:8443/A',
      { kind: 'url', host: 'www.example.com', path: '/A' },
    ],
    ['a trailing dot', 'https://www.example.com./a', { kind: 'url', host: 'www.example.com', path: '/a' }],
    [
      'a non-ASCII host, in punycode',
      'https://bücher.example/a',
      { kind: 'url', host: 'xn--bcher-kva.example', path: '/a' },
    ],
    [
      'a wildcard path',
      'https://a.example.com/img/*',
      { kind: 'url', host: 'a.example.com', path: '/img/*' },
    ],
  ])('reads %s', (_name, text, item) => {
    expect(itemOf(text)).toEqual(item);
  });

  it('submits a URL by its path and anything else as typed', () => {
    expect(pathOf(itemOf('https://a.example.com/x?y=1'))).toBe('/x?y=1');
    expect(pathOf(itemOf('/x'))).toBe('/x');
  });

  it('lists the distinct hosts of the URLs in order', () => {
    const items = ['https://b.example.com/1', '/p', 'https://a.example.com/2', 'https://B.example.com/3'].map(
      itemOf,
    );
    expect(hostsOf(items)).toEqual(['b.example.com', 'a.example.com']);
  });
});

describe('host names', () => {
  it.each([
    'www.example.com',
    'example.com',
    '*.example.com',
    'a-b.c0.example',
    'localhost',
    'WWW.EXAMPLE.COM',
  ])('takes %s', (name) => expect(isHostname(name)).toBe(true));
  it.each([
    '',
    'https://www.example.com',
    'www.example.com/a',
    'a..b',
    '-a.example.com',
    'a.*.example.com',
    '*',
    'a b.com',
    'www.example.com:443',
  ])('refuses %s', (name) => expect(isHostname(name)).toBe(false));
  it('compares in lower case without a trailing dot', () => {
    expect(normaliseHost('WWW.Example.COM.')).toBe('www.example.com');
  });
});

describe('domainMatches', () => {
  it.each([
    ['www.example.com', 'www.example.com', true],
    ['www.example.com', 'example.com', false],
    ['*.example.com', 'www.example.com', true],
    ['*.example.com', 'a.b.example.com', false],
    ['*.example.com', 'example.com', false],
    ['*.Example.com', 'cdn.example.com', true],
  ])('%s against %s: %s', (pattern, host, expected) => {
    expect(domainMatches(pattern, host)).toBe(expected);
  });
});

describe('matchHost', () => {
  const configured = [
    { id: 'EWEB', domains: ['www.example.com', 'example.com'] },
    { id: 'EDOCS', domains: ['docs.example.com'] },
  ];
  const listing = [
    { id: 'EWEB', domainName: 'd111.cloudfront.net', aliases: ['www.example.com'] },
    { id: 'EAPI', domainName: 'd222.cloudfront.net', aliases: ['*.api.example.com', 'static.example.com'] },
    { id: 'EEXACT', domainName: 'd333.cloudfront.net', aliases: ['eu.api.example.com'] },
    { id: 'EDOCS', domainName: 'd444.cloudfront.net', aliases: ['docs.example.com'] },
  ];

  it.each([
    ['a host in domains', 'www.example.com', { distributionId: 'EWEB', by: 'domains' }],
    ['a host in domains, in capitals', 'Example.COM', { distributionId: 'EWEB', by: 'domains' }],
    ['an exact CNAME', 'static.example.com', { distributionId: 'EAPI', by: 'alias' }],
    ['a wildcard CNAME, one label', 'us.api.example.com', { distributionId: 'EAPI', by: 'alias' }],
    ['an exact CNAME before a wildcard one', 'eu.api.example.com', { distributionId: 'EEXACT', by: 'alias' }],
    ['a *.cloudfront.net name', 'd222.cloudfront.net', { distributionId: 'EAPI', by: 'cloudfront_domain' }],
    ['a wildcard CNAME, two labels: nothing', 'a.us.api.example.com', undefined],
    ['an unknown host', 'elsewhere.example.org', undefined],
  ])('finds %s', (_name, host, expected) => {
    expect(matchHost(host, configured, listing)).toEqual(expected);
  });

  it('takes the config’s domains before the CNAMEs CloudFront lists', () => {
    const listed = [{ id: 'EOTHER', domainName: 'd9.cloudfront.net', aliases: ['www.example.com'] }];
    expect(matchHost('www.example.com', configured, listed)).toEqual({
      distributionId: 'EWEB',
      by: 'domains',
    });
  });

  it('matches only the domains when CloudFront could not be read', () => {
    expect(matchHost('static.example.com', configured)).toBeUndefined();
    expect(matchHost('docs.example.com', configured)).toEqual({ distributionId: 'EDOCS', by: 'domains' });
  });
});
