import { hostsOf, itemOf } from './hosts.js';
import { isHttpUrl, unescapeSlack } from './paths.js';

/**
 * The parts of a Slack message a shortcut reads: its text, its Block Kit and its legacy attachments, as
 * Slack sends them in a `message_action` payload. Blocks and attachments are walked as plain JSON, so a
 * link anywhere in them (a rich text link, a button's `url`, an attachment's `title_link`) is found.
 * https://api.slack.com/reference/interaction-payloads/shortcuts#message_actions
 */
export interface MessageContent {
  text?: string;
  blocks?: unknown;
  attachments?: unknown;
}

/** At most this many distinct URLs are taken from one message; a request form holds fewer anyway. */
export const MAX_MESSAGE_PATHS = 1000;

/** Walking stops after this many strings, so a message built to be huge costs bounded work. */
const MAX_STRINGS = 10_000;

/** Slack's link forms `<url>` and `<url|label>` (the label is display text, never a target). */
const WRAPPED_LINK = /<(https?:\/\/[^<>|\s]+)(?:\|[^<>]*)?>/gi;
/** A bare URL, up to whitespace or a character that cannot end one in prose. */
const BARE_URL = /https?:\/\/[^\s<>|"'`]+/gi;
/** Punctuation that ends a sentence after a URL rather than belonging to it. */
const TRAILING_PUNCTUATION = /[.,;:!?)\]}]+$/;

/** Keys whose values are pictures shown with the message (icons, thumbnails), not what it is about. */
const PICTURE_KEY = /(^|_)(icon|image_url|thumb_url|icon_url|author_icon|footer_icon|service_icon)$/;

/**
 * The http(s) URLs in a message, in the order they appear (text, then blocks, then attachments), each once
 * and without its fragment (it never reaches CloudFront), with their distinct hosts: the form takes the
 * URLs whole, so each is checked against the distribution chosen, as `/invalidate` checks a pasted URL
 * (core/hosts.ts). At most MAX_MESSAGE_PATHS; `more` counts the distinct URLs left out past it.
 */
export function urlsInMessage(message: MessageContent): { urls: string[]; hosts: string[]; more: number } {
  const seen = new Set<string>();
  const leftOut = new Set<string>();
  for (const text of stringsOf(message)) {
    for (const found of urlsInText(text)) {
      const url = found.replace(/#.*$/, '');
      if (seen.has(url)) continue;
      if (seen.size < MAX_MESSAGE_PATHS) seen.add(url);
      else leftOut.add(url);
    }
  }
  const urls = [...seen];
  return { urls, hosts: hostsOf(urls.map(itemOf)), more: leftOut.size };
}

/** The URLs in one piece of text: Slack's wrapped links first take their URL, then bare ones are found. */
export function urlsInText(text: string): string[] {
  const urls: string[] = [];
  const rest = text.replace(WRAPPED_LINK, (_link, url: string) => {
    urls.push(unescapeSlack(url));
    return ' ';
  });
  for (const match of rest.matchAll(BARE_URL)) {
    const url = unescapeSlack(match[0].replace(TRAILING_PUNCTUATION, ''));
    if (isHttpUrl(url) && url.length > 'https://'.length) urls.push(url);
  }
  return urls;
}

function stringsOf(message: MessageContent): string[] {
  const strings: string[] = [];
  if (typeof message.text === 'string') strings.push(message.text);
  collectStrings(message.blocks, strings);
  collectStrings(message.attachments, strings);
  return strings;
}

/** Every string value under `value` but pictures, depth first, up to MAX_STRINGS. */
function collectStrings(value: unknown, into: string[]): void {
  const stack: unknown[] = [value];
  while (stack.length > 0 && into.length < MAX_STRINGS) {
    const next = stack.pop();
    if (typeof next === 'string') into.push(next);
    else if (Array.isArray(next)) stack.push(...[...next].reverse());
    else if (typeof next === 'object' && next !== null) {
      const entries = Object.entries(next).filter(([key]) => !PICTURE_KEY.test(key));
      stack.push(...entries.map(([, inner]) => inner).reverse());
    }
  }
}
