import type { IncomingHttpHeaders } from 'node:http';
import { networkInterfaces } from 'node:os';

/**
 * Who may drive the playground: only its own page. A web page elsewhere can make the browser send a
 * `text/plain` or form POST to 127.0.0.1 without asking (cross-site request forgery), or point its own
 * host name at 127.0.0.1 and read the answers as same-origin (DNS rebinding). So every request must name
 * the playground itself in `Host`, and a POST must also be JSON (which a page elsewhere cannot send
 * without a CORS preflight, which is never granted) from the playground's own `Origin` when one is sent.
 * https://owasp.org/www-community/attacks/csrf · https://en.wikipedia.org/wiki/DNS_rebinding
 */
export interface SameOrigin {
  /** why the request is refused, or undefined when it comes from the playground's own page */
  refusal(method: string | undefined, headers: IncomingHttpHeaders): string | undefined;
}

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];
const WILDCARD = ['0.0.0.0', '::', ''];

/** The `host:port` values that name the playground listening on `listenHost` at `port`. */
export function playgroundHosts(listenHost: string, port: number): Set<string> {
  const names = new Set<string>([bracketed(listenHost)]);
  if (WILDCARD.includes(listenHost) || LOOPBACK.includes(bracketed(listenHost))) {
    for (const name of LOOPBACK) names.add(name);
  }
  // On every interface, the machine's own addresses name it too; an address is never a rebound name.
  if (WILDCARD.includes(listenHost)) {
    for (const address of Object.values(networkInterfaces()).flat()) {
      if (address) names.add(bracketed(address.address));
    }
  }
  names.delete('0.0.0.0');
  names.delete('[::]');
  // A browser leaves the default port out of Host.
  const withPort = [...names].map((name) => name.toLowerCase()).map((name) => `${name}:${port}`);
  return new Set(port === 80 ? [...withPort, ...[...names].map((name) => name.toLowerCase())] : withPort);
}

export function sameOrigin(hosts: Set<string>): SameOrigin {
  return {
    refusal(method, headers) {
      const host = headers.host?.toLowerCase();
      if (host === undefined || !hosts.has(host)) return 'This playground answers only to its own address.';
      if (method !== 'POST') return undefined;
      const origin = headers.origin;
      if (origin !== undefined && !hosts.has(originHost(origin))) {
        return 'The playground accepts actions only from its own page.';
      }
      if (mediaType(headers['content-type']) !== 'application/json') {
        return 'The playground accepts actions only as application/json.';
      }
      return undefined;
    },
  };
}

/** `host:port` of an `http:` origin; anything else (`null`, https, another scheme) names nothing here. */
function originHost(origin: string): string {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' && url.pathname === '/' ? `${url.hostname}:${url.port || '80'}` : '';
  } catch {
    return '';
  }
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
