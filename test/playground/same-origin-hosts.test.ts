import { describe, expect, it } from 'vitest';
import { playgroundHosts, sameOrigin } from '../../src/playground/same-origin.js';

describe('the host names that name the playground', () => {
  it('are its loopback address and the aliases of it, at its port only', () => {
    const hosts = playgroundHosts('127.0.0.1', 3000);
    expect([...hosts].sort()).toEqual(['127.0.0.1:3000', '[::1]:3000', 'localhost:3000']);
  });

  it('include a name it was told to listen on, and no loopback alias when that is not loopback', () => {
    expect([...playgroundHosts('playground.lan', 8080)]).toEqual(['playground.lan:8080']);
  });

  it('on every interface, are the loopback aliases and the machine’s addresses, never 0.0.0.0', () => {
    const hosts = playgroundHosts('0.0.0.0', 3000);
    expect(hosts.has('localhost:3000')).toBe(true);
    expect(hosts.has('127.0.0.1:3000')).toBe(true);
    expect(hosts.has('0.0.0.0:3000')).toBe(false);
  });

  it('leave the port out too at port 80, as browsers do', () => {
    expect(playgroundHosts('127.0.0.1', 80).has('localhost')).toBe(true);
    expect(playgroundHosts('127.0.0.1', 3000).has('localhost')).toBe(false);
  });
});

describe('what the playground answers', () => {
  const guard = sameOrigin(playgroundHosts('127.0.0.1', 3000));
  const json = { host: 'localhost:3000', 'content-type': 'application/json' };

  it.each([
    ['GET', { host: 'localhost:3000' }, undefined],
    ['GET', { host: 'LOCALHOST:3000' }, undefined],
    ['GET', { host: 'localhost:3001' }, 'own address'],
    ['GET', {}, 'own address'],
    ['POST', json, undefined],
    ['POST', { ...json, origin: 'http://127.0.0.1:3000' }, undefined],
    ['POST', { ...json, 'content-type': 'Application/JSON; charset=utf-8' }, undefined],
    ['POST', { ...json, origin: 'http://localhost:3001' }, 'own page'],
    ['POST', { ...json, origin: 'http://evil.example' }, 'own page'],
    ['POST', { ...json, 'content-type': 'text/plain' }, 'application/json'],
    ['POST', { ...json, 'content-type': 'application/json-patch+json' }, 'application/json'],
  ] as const)('%s with %j: refused for %s', (method, headers, refusal) => {
    const answer = guard.refusal(method, headers);
    if (refusal === undefined) expect(answer).toBeUndefined();
    else expect(answer).toContain(refusal);
  });
});
