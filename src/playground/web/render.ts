/**
 * Block Kit and mrkdwn to HTML, for the playground page: the bot's own messages, modals and Home tab,
 * shown roughly as Slack shows them. Pure string work (no DOM), so it runs in the browser and in tests.
 * https://api.slack.com/reference/block-kit/blocks
 * https://api.slack.com/reference/surfaces/formatting
 */

export interface RenderContext {
  /** user id → display name, for `<@U…>` */
  users: Record<string, string>;
  /** user group id → handle, for `<!subteam^S…>` */
  userGroups: Record<string, string>;
  /** for relative dates ("Today"); epoch ms */
  now: number;
  /** the modal's validation errors, by block id */
  errors?: Record<string, string>;
}

type Json = Record<string, unknown>;

const EMOJI: Record<string, string> = {
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
  x: '❌',
  warning: '⚠️',
  no_entry: '⛔',
  no_entry_sign: '🚫',
  lock: '🔒',
  unlock: '🔓',
  moneybag: '💰',
  money_with_wings: '💸',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  bell: '🔔',
  pencil2: '✏️',
  rocket: '🚀',
  robot_face: '🤖',
  tada: '🎉',
  clock3: '🕒',
  arrows_counterclockwise: '🔄',
  information_source: 'ℹ️',
  bar_chart: '📊',
  memo: '📝',
  mag: '🔍',
  eyes: '👀',
  wave: '👋',
};

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Slack escapes only these three in message text. */
function decodeSlackEntities(text: string): string {
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

function emoji(text: string): string {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, name: string) => EMOJI[name] ?? whole);
}

/** `plain_text` objects: escaped, emoji shortcodes shown as emoji. */
export function plainText(text: string): string {
  return escapeHtml(emoji(text));
}

/** Formats `<!date^seconds^format|fallback>` the way Slack does, in the viewer's time zone. */
export function slackDate(seconds: number, format: string, now: number): string {
  const date = new Date(seconds * 1000);
  const day = (d: Date) => d.toDateString();
  const pretty = (fallback: string) => {
    if (day(date) === day(new Date(now))) return 'Today';
    if (day(date) === day(new Date(now - 86_400_000))) return 'Yesterday';
    if (day(date) === day(new Date(now + 86_400_000))) return 'Tomorrow';
    return fallback;
  };
  const short = date.toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric' });
  const long = date.toLocaleDateString('en-US', {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    year: 'numeric',
  });
  const time = date.toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit' });
  const tokens: Record<string, string> = {
    date_num: date.toISOString().slice(0, 10),
    date: date.toLocaleDateString('en-US', { month: 'long', day: 'numeric', year: 'numeric' }),
    date_short: short,
    date_long: long,
    date_pretty: pretty(date.toLocaleDateString('en-US', { month: 'long', day: 'numeric', year: 'numeric' })),
    date_short_pretty: pretty(short),
    date_long_pretty: pretty(long),
    time,
    time_secs: date.toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit', second: '2-digit' }),
  };
  return format.replace(/\{(\w+)\}/g, (whole, name: string) => tokens[name] ?? whole);
}

/** One `<…>` token: a link, a mention, a date or a special mention. */
function angleToken(inner: string, context: RenderContext): string {
  const [target = '', label] = splitOnce(inner, '|');
  if (target.startsWith('@')) {
    const id = target.slice(1);
    return `<span class="mention">@${escapeHtml(context.users[id] ?? label ?? id)}</span>`;
  }
  if (target.startsWith('#')) {
    return `<span class="mention">#${escapeHtml(label ?? target.slice(1))}</span>`;
  }
  if (target.startsWith('!subteam^')) {
    const id = target.slice('!subteam^'.length);
    return `<span class="mention">@${escapeHtml(context.userGroups[id] ?? label ?? id)}</span>`;
  }
  if (target.startsWith('!date^')) {
    const [, seconds = '', format = ''] = target.split('^');
    const when = Number(seconds);
    const text = Number.isFinite(when) ? slackDate(when, format, context.now) : (label ?? '');
    return `<time title="${escapeHtml(label ?? '')}">${escapeHtml(text)}</time>`;
  }
  if (target.startsWith('!')) return `<span class="mention">@${escapeHtml(target.slice(1))}</span>`;
  if (/^(https?:|mailto:)/.test(target)) {
    return `<a href="${escapeHtml(target)}" target="_blank" rel="noopener noreferrer">${escapeHtml(label ?? target)}</a>`;
  }
  return escapeHtml(`<${inner}>`);
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

/** Inline formatting of text with no code in it: tokens, then bold, italic, strike, emoji. */
function inline(text: string, context: RenderContext): string {
  const tokens: string[] = [];
  // Tokens first, so a URL's underscores or a mention inside *bold* stay intact.
  const marked = text.replace(/<([^<>\n]+)>/g, (_whole, inner: string) => {
    tokens.push(angleToken(decodeSlackEntities(inner), context));
    return `\uE000${tokens.length - 1}\uE000`;
  });
  const formatted = escapeHtml(emoji(decodeSlackEntities(marked)))
    .replace(/(^|[^\w*])\*([^*\n]+)\*(?![\w*])/g, '$1<b>$2</b>')
    .replace(/(^|[^\w_])_([^_\n]+)_(?![\w_])/g, '$1<i>$2</i>')
    .replace(/(^|[^\w~])~([^~\n]+)~(?![\w~])/g, '$1<s>$2</s>');
  return formatted.replace(/\uE000(\d+)\uE000/g, (_whole, index: string) => tokens[Number(index)] ?? '');
}

/** A line group with `>` quotes turned into blockquotes. */
function withQuotes(html: string): string {
  const lines = html.split('\n');
  const out: string[] = [];
  let quote: string[] = [];
  const flush = () => {
    if (quote.length > 0) out.push(`<blockquote>${quote.join('<br>')}</blockquote>`);
    quote = [];
  };
  for (const line of lines) {
    if (line.startsWith('&gt; ') || line === '&gt;') quote.push(line.replace(/^&gt; ?/, ''));
    else {
      flush();
      out.push(line);
    }
  }
  flush();
  return out
    .join('<br>')
    .replaceAll('<br><blockquote>', '<blockquote>')
    .replaceAll('</blockquote><br>', '</blockquote>');
}

/** Slack's mrkdwn to HTML: ```pre```, `code`, *bold*, _italic_, ~strike~, > quotes, links, mentions, dates, emoji. */
export function mrkdwn(text: string, context: RenderContext): string {
  return text
    .split(/(```[\s\S]*?```)/)
    .map((part) => {
      if (part.startsWith('```') && part.endsWith('```') && part.length >= 6) {
        return `<pre>${escapeHtml(decodeSlackEntities(part.slice(3, -3).replace(/^\n/, '')))}</pre>`;
      }
      const html = part
        .split(/(`[^`\n]+`)/)
        .map((piece) =>
          piece.length > 2 && piece.startsWith('`') && piece.endsWith('`')
            ? `<code>${escapeHtml(decodeSlackEntities(piece.slice(1, -1)))}</code>`
            : inline(piece, context),
        )
        .join('');
      return withQuotes(html);
    })
    .join('');
}

/** A text object of either kind. */
export function textObject(value: unknown, context: RenderContext): string {
  if (typeof value !== 'object' || value === null) return '';
  const { type, text } = value as Json;
  if (typeof text !== 'string') return '';
  return type === 'mrkdwn' ? mrkdwn(text, context) : plainText(text);
}

/** A button, carrying what a click needs back in data attributes (the confirm dialog as JSON). */
function button(element: Json, blockId: string | undefined, context: RenderContext): string {
  const style = element.style === 'primary' || element.style === 'danger' ? ` ${element.style}` : '';
  const attributes = [
    `class="button${style}"`,
    `data-action-id="${escapeHtml(String(element.action_id ?? ''))}"`,
    `data-value="${escapeHtml(String(element.value ?? ''))}"`,
    blockId === undefined ? '' : `data-block-id="${escapeHtml(blockId)}"`,
  ];
  if (typeof element.confirm === 'object' && element.confirm !== null) {
    const confirm = element.confirm as Json;
    const dialog = {
      title: textObject(confirm.title, context),
      text: textObject(confirm.text, context),
      confirm: textObject(confirm.confirm, context) || 'Yes',
      deny: textObject(confirm.deny, context) || 'Cancel',
      style: confirm.style === 'danger' ? 'danger' : 'primary',
    };
    attributes.push(`data-confirm="${escapeHtml(JSON.stringify(dialog))}"`);
  }
  if (typeof element.url === 'string') {
    return `<a ${attributes.join(' ')} href="${escapeHtml(element.url)}" target="_blank" rel="noopener noreferrer">${textObject(element.text, context)}</a>`;
  }
  return `<button type="button" ${attributes.filter(Boolean).join(' ')}>${textObject(element.text, context)}</button>`;
}

function element(value: unknown, blockId: string | undefined, context: RenderContext): string {
  if (typeof value !== 'object' || value === null) return '';
  const item = value as Json;
  switch (item.type) {
    case 'button':
      return button(item, blockId, context);
    case 'image':
      return `<img class="image" src="${escapeHtml(String(item.image_url ?? ''))}" alt="${escapeHtml(String(item.alt_text ?? ''))}">`;
    case 'mrkdwn':
    case 'plain_text':
      return `<span>${textObject(item, context)}</span>`;
    default:
      return `<span class="unsupported">[${escapeHtml(String(item.type))}]</span>`;
  }
}

/** One input block of a modal: a label and a text field named by block and action id. */
function input(block: Json, context: RenderContext): string {
  const blockId = String(block.block_id ?? '');
  const field = (block.element ?? {}) as Json;
  const actionId = String(field.action_id ?? '');
  const placeholder = textObject(field.placeholder, context).replace(/<[^>]*>/g, '');
  const name = `${blockId}/${actionId}`;
  const attributes = `name="${escapeHtml(name)}" data-block-id="${escapeHtml(blockId)}" data-action-id="${escapeHtml(actionId)}" placeholder="${placeholder}"${block.optional === true ? '' : ' required'}${typeof field.max_length === 'number' ? ` maxlength="${field.max_length}"` : ''}`;
  const control =
    field.multiline === true
      ? `<textarea ${attributes} rows="4"></textarea>`
      : `<input type="text" ${attributes}>`;
  const error = context.errors?.[blockId];
  return [
    '<label class="block input">',
    `<span class="label">${textObject(block.label, context)}${block.optional === true ? ' <span class="optional">(optional)</span>' : ''}</span>`,
    control,
    block.hint ? `<span class="hint">${textObject(block.hint, context)}</span>` : '',
    error ? `<span class="error">${plainText(error)}</span>` : '',
    '</label>',
  ].join('');
}

export function block(value: unknown, context: RenderContext): string {
  if (typeof value !== 'object' || value === null) return '';
  const item = value as Json;
  const blockId = typeof item.block_id === 'string' ? item.block_id : undefined;
  switch (item.type) {
    case 'header':
      return `<div class="block header">${textObject(item.text, context)}</div>`;
    case 'divider':
      return '<hr class="block divider">';
    case 'section': {
      const fields = Array.isArray(item.fields)
        ? `<div class="fields">${item.fields.map((f) => `<div class="field">${textObject(f, context)}</div>`).join('')}</div>`
        : '';
      const text = item.text ? `<div class="text">${textObject(item.text, context)}</div>` : '';
      const accessory = item.accessory
        ? `<div class="accessory">${element(item.accessory, blockId, context)}</div>`
        : '';
      return `<div class="block section"><div class="body">${text}${fields}</div>${accessory}</div>`;
    }
    case 'context': {
      const elements = Array.isArray(item.elements) ? item.elements : [];
      return `<div class="block context">${elements.map((e) => element(e, blockId, context)).join('')}</div>`;
    }
    case 'actions': {
      const elements = Array.isArray(item.elements) ? item.elements : [];
      return `<div class="block actions">${elements.map((e) => element(e, blockId, context)).join('')}</div>`;
    }
    case 'input':
      return input(item, context);
    case 'image':
      return `<div class="block image">${element(item, blockId, context)}</div>`;
    default:
      return `<div class="block unsupported">[${escapeHtml(String(item.type))} block]</div>`;
  }
}

/** A message: its blocks when it has them, else its `text` as mrkdwn. */
export function message(value: { text?: string; blocks?: unknown[] }, context: RenderContext): string {
  if (value.blocks && value.blocks.length > 0) return value.blocks.map((b) => block(b, context)).join('');
  return `<div class="block section"><div class="body"><div class="text">${mrkdwn(value.text ?? '', context)}</div></div></div>`;
}

/** A modal or Home view's blocks. */
export function view(value: unknown, context: RenderContext): string {
  if (typeof value !== 'object' || value === null) return '';
  const blocks = (value as Json).blocks;
  return Array.isArray(blocks) ? blocks.map((b) => block(b, context)).join('') : '';
}
