import type { ChannelMessage, ClickTarget, Ephemeral, PageState } from './api.js';
import { escapeHtml, message, plainText, type RenderContext, view } from './render.js';

/**
 * The playground page: a Slack-like channel where you pick who you are and type `/invalidate …`, the
 * bot's modals and App Home, and a side panel with CloudFront calls, audit events and the month's usage.
 * The server pushes "something changed" over server-sent events; the page then fetches what the
 * current person sees and draws it again.
 */

const $ = <T extends HTMLElement>(selector: string): T => {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`The page lacks ${selector}`);
  return found;
};

const elements = {
  person: $<HTMLSelectElement>('#person'),
  tabs: document.querySelectorAll<HTMLButtonElement>('[data-tab]'),
  channel: $('#channel'),
  channelName: $('#channel-name'),
  timeline: $('#timeline'),
  home: $('#home'),
  composer: $<HTMLFormElement>('#composer'),
  input: $<HTMLTextAreaElement>('#command'),
  notice: $('#notice'),
  activity: $('#activity'),
  usage: $('#usage'),
  cloudfront: $('#cloudfront-mode'),
  overlay: $('#overlay'),
  modal: $('#modal'),
  dialog: $('#dialog'),
};

let state: PageState | undefined;
let tab: 'channel' | 'home' = 'channel';
let renderedModal = '';
let stickToBottom = true;

const person = () => elements.person.value;

function context(errors?: Record<string, string>): RenderContext {
  const users: Record<string, string> = {};
  for (const p of state?.info.personas ?? []) users[p.id] = p.name;
  if (state) users[state.info.bot.id] = state.info.bot.name;
  const result: RenderContext = { users, userGroups: state?.info.userGroups ?? {}, now: Date.now() };
  if (errors) result.errors = errors;
  return result;
}

async function post(path: string, body: Record<string, unknown>): Promise<void> {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: person(), ...body }),
  });
  if (!response.ok) {
    const answer = (await response.json().catch(() => ({}))) as { error?: string };
    throw new Error(answer.error ?? `HTTP ${response.status}`);
  }
}

function showNotice(text: string): void {
  elements.notice.textContent = text;
  elements.notice.hidden = text === '';
}

async function refresh(): Promise<void> {
  const response = await fetch(`/api/state?user=${encodeURIComponent(person())}`);
  if (!response.ok) return;
  state = (await response.json()) as PageState;
  render();
}

function render(): void {
  if (!state) return;
  const { info, view: seen } = state;
  elements.channelName.textContent = `#${seen.channel.name}`;
  elements.cloudfront.innerHTML =
    info.cloudfront.mode === 'simulated'
      ? `<b>Simulated CloudFront</b>: nothing leaves this machine; invalidations complete after ${info.cloudfront.completeAfterSeconds} s.`
      : '<b>Real CloudFront</b>, with your AWS credentials: invalidations are real and billed.';
  renderTimeline(seen.messages, seen.ephemerals);
  renderHome(seen.home);
  renderModal(seen.modal);
  renderActivity(state.activity);
}

function renderTimeline(messages: ChannelMessage[], ephemerals: Ephemeral[]): void {
  const items = [
    ...messages.map((m) => ({ at: m.at, html: messageHtml(m) })),
    ...ephemerals.map((e) => ({ at: e.at, html: ephemeralHtml(e) })),
  ].sort((a, b) => a.at - b.at);
  const box = elements.timeline;
  stickToBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  box.innerHTML =
    items.length === 0
      ? '<p class="empty">Nothing here yet. Type <code>/invalidate help</code> below, or try <code>/invalidate web /assets/*</code>.</p>'
      : items.map((i) => i.html).join('');
  if (stickToBottom) box.scrollTop = box.scrollHeight;
}

function author(userId: string, at: number, extra = ''): string {
  const name = context().users[userId] ?? userId;
  const isBot = userId === state?.info.bot.id;
  const time = new Date(at).toLocaleTimeString([], { hour: 'numeric', minute: '2-digit', second: '2-digit' });
  return `<div class="author"><span class="avatar${isBot ? ' bot' : ''}">${escapeHtml(name.slice(0, 1))}</span><b>${escapeHtml(name)}</b>${isBot ? '<span class="app">APP</span>' : ''}<span class="time">${time}</span>${extra}</div>`;
}

function messageHtml(m: ChannelMessage): string {
  const replies =
    m.replies.length === 0
      ? ''
      : `<div class="thread"><div class="thread-count">${m.replies.length} ${m.replies.length === 1 ? 'reply' : 'replies'}</div>${m.replies
          .map(
            (r) =>
              `<div class="reply" data-ts="${escapeHtml(r.ts)}">${author(r.user, r.at)}<div class="content">${message(r, context())}</div></div>`,
          )
          .join('')}</div>`;
  return `<article class="message" data-target="message" data-ts="${escapeHtml(m.ts)}">${author(m.user, m.at, m.edited ? '<span class="edited">(edited)</span>' : '')}<div class="content">${message(m, context())}</div>${replies}</article>`;
}

function ephemeralHtml(e: Ephemeral): string {
  const command = e.command ? `<div class="typed"><code>${escapeHtml(e.command)}</code></div>` : '';
  const body = e.text || e.blocks ? `<div class="content">${message(e, context())}</div>` : '';
  const bot = state?.info.bot.id ?? '';
  return `<article class="message ephemeral" data-target="ephemeral" data-id="${escapeHtml(e.id)}">${command}${body ? author(bot, e.at, '<span class="only-you">Only visible to you</span>') + body : ''}</article>`;
}

function renderHome(home: PageState['view']['home']): void {
  elements.home.innerHTML = home
    ? `<div class="home-view" data-target="home">${view(home.view, context())}</div>`
    : '<p class="empty">Opening the Home tab…</p>';
}

function renderModal(modal: PageState['view']['modal']): void {
  const key = modal ? JSON.stringify(modal) : '';
  if (key === renderedModal) return;
  renderedModal = key;
  if (!modal) {
    elements.modal.hidden = true;
    elements.overlay.hidden = elements.dialog.hidden;
    return;
  }
  const spec = modal.view as { title?: unknown; submit?: unknown; close?: unknown };
  const title = spec.title ? plainText(String((spec.title as { text?: string }).text ?? '')) : '';
  const submit = spec.submit ? plainText(String((spec.submit as { text?: string }).text ?? 'Submit')) : '';
  const close = spec.close ? plainText(String((spec.close as { text?: string }).text ?? 'Cancel')) : 'Cancel';
  elements.modal.innerHTML = `<form class="modal-form" data-view-id="${escapeHtml(modal.viewId)}"><header>${title}</header><div class="modal-body">${view(modal.view, context(modal.errors))}</div><footer><button type="button" class="button" data-close>${close}</button>${submit ? `<button type="submit" class="button primary">${submit}</button>` : ''}</footer></form>`;
  elements.modal.hidden = false;
  elements.overlay.hidden = false;
  elements.modal.querySelector<HTMLElement>('textarea, input')?.focus();
}

function renderActivity(activity: PageState['activity']): void {
  const usage = activity.usage;
  if (usage) {
    const share = usage.freePaths === 0 ? 1 : Math.min(1, usage.paths / usage.freePaths);
    const over = usage.paths > usage.freePaths;
    elements.usage.innerHTML = `<div class="usage-head"><b>${escapeHtml(usage.month)}</b> · ${usage.paths.toLocaleString()} of ${usage.freePaths.toLocaleString()} free paths</div><div class="bar${over ? ' over' : ''}" role="meter" aria-valuemin="0" aria-valuemax="${usage.freePaths}" aria-valuenow="${usage.paths}"><span style="width:${(share * 100).toFixed(1)}%"></span></div><div class="usage-cost">Cost so far ${escapeHtml(usage.cost)} · projected ${escapeHtml(usage.projected)} this month</div>`;
  }
  const names = context().users;
  elements.activity.innerHTML = activity.entries
    .slice()
    .reverse()
    .map((entry) => {
      const time = new Date(entry.at).toLocaleTimeString([], {
        hour: 'numeric',
        minute: '2-digit',
        second: '2-digit',
      });
      if (entry.kind === 'cloudfront') {
        const failed = entry.status >= 400;
        const outcome = failed
          ? `${entry.status} ${entry.errorCode ?? ''}`
          : `${entry.status}${entry.invalidationId ? ` · ${entry.invalidationId}` : ''}${entry.invalidationStatus ? ` · ${entry.invalidationStatus}` : ''}`;
        const paths = entry.paths
          ? `<div class="detail">${entry.paths.length} path${entry.paths.length === 1 ? '' : 's'}: <code>${escapeHtml(entry.paths.slice(0, 5).join(' '))}${entry.paths.length > 5 ? ' …' : ''}</code> · CallerReference <code>${escapeHtml(entry.callerReference ?? '')}</code></div>`
          : '';
        return `<li class="entry cloudfront${failed ? ' failed' : ''}"><span class="kind">CloudFront</span><span class="time">${time}</span><div><b>${escapeHtml(entry.operation)}</b> ${escapeHtml(entry.distributionId)} → ${escapeHtml(outcome)}</div>${paths}</li>`;
      }
      const actor = entry.actor ? ` by ${escapeHtml(names[entry.actor] ?? entry.actor)}` : '';
      const details = Object.entries(entry.details)
        .map(
          ([key, value]) =>
            `${escapeHtml(key)}=${escapeHtml(Array.isArray(value) ? value.join(' ') : String(value))}`,
        )
        .join(' · ');
      return `<li class="entry audit"><span class="kind">Audit</span><span class="time">${time}</span><div><b>${escapeHtml(entry.type)}</b> ${escapeHtml(entry.requestId)}${actor}</div>${details ? `<div class="detail">${details}</div>` : ''}</li>`;
    })
    .join('');
}

function targetOf(button: HTMLElement): ClickTarget | undefined {
  const holder = button.closest<HTMLElement>('[data-target]');
  switch (holder?.dataset.target) {
    case 'message':
      return { kind: 'message', ts: holder.dataset.ts ?? '' };
    case 'ephemeral':
      return { kind: 'ephemeral', id: holder.dataset.id ?? '' };
    case 'home':
      return { kind: 'home' };
    default:
      return undefined;
  }
}

interface ConfirmSpec {
  title: string;
  text: string;
  confirm: string;
  deny: string;
  style: string;
}

function confirmFirst(spec: ConfirmSpec): Promise<boolean> {
  return new Promise((resolve) => {
    elements.dialog.innerHTML = `<div class="dialog-box" role="alertdialog"><header>${spec.title}</header><div class="dialog-text">${spec.text}</div><footer><button type="button" class="button" data-answer="no">${spec.deny}</button><button type="button" class="button ${spec.style === 'danger' ? 'danger' : 'primary'}" data-answer="yes">${spec.confirm}</button></footer></div>`;
    elements.dialog.hidden = false;
    elements.overlay.hidden = false;
    elements.dialog.addEventListener(
      'click',
      function answer(event) {
        const choice = (event.target as HTMLElement).closest<HTMLElement>('[data-answer]')?.dataset.answer;
        if (!choice) {
          elements.dialog.addEventListener('click', answer, { once: true });
          return;
        }
        elements.dialog.hidden = true;
        elements.overlay.hidden = elements.modal.hidden;
        resolve(choice === 'yes');
      },
      { once: true },
    );
  });
}

async function clickButton(button: HTMLButtonElement): Promise<void> {
  const target = targetOf(button);
  if (!target) return;
  const confirm = button.dataset.confirm;
  if (confirm && !(await confirmFirst(JSON.parse(confirm) as ConfirmSpec))) return;
  button.disabled = true;
  try {
    await post('/api/action', {
      target,
      actionId: button.dataset.actionId ?? '',
      value: button.dataset.value ?? '',
      ...(button.dataset.blockId ? { blockId: button.dataset.blockId } : {}),
    });
    showNotice('');
  } catch (error) {
    showNotice((error as Error).message);
  } finally {
    button.disabled = false;
  }
}

function selectTab(next: 'channel' | 'home'): void {
  tab = next;
  for (const button of elements.tabs) button.classList.toggle('active', button.dataset.tab === next);
  elements.channel.hidden = next !== 'channel';
  elements.home.hidden = next !== 'home';
  if (next === 'home') post('/api/home', {}).catch((error: Error) => showNotice(error.message));
}

function start(): void {
  const saved =
    new URLSearchParams(location.search).get('as') ?? localStorage.getItem('invalidator.person') ?? '';
  fetch(`/api/state?user=${encodeURIComponent(saved)}`)
    .then((response) => response.json() as Promise<PageState>)
    .then((first) => {
      state = first;
      elements.person.innerHTML = first.info.personas
        .map(
          (p) => `<option value="${escapeHtml(p.id)}">${escapeHtml(p.name)}: ${escapeHtml(p.role)}</option>`,
        )
        .join('');
      const chosen = first.info.personas.find((p) => p.id === saved) ?? first.info.personas[0];
      if (chosen) elements.person.value = chosen.id;
      return refresh();
    })
    .catch((error: Error) => showNotice(`The playground server is not answering: ${error.message}`));

  elements.person.addEventListener('change', () => {
    localStorage.setItem('invalidator.person', person());
    renderedModal = '';
    refresh().catch(() => {});
    if (tab === 'home') selectTab('home');
  });
  for (const button of elements.tabs) {
    button.addEventListener('click', () => selectTab(button.dataset.tab === 'home' ? 'home' : 'channel'));
  }
  elements.composer.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = elements.input.value.trim();
    if (text === '') return;
    if (!/^\/invalidate(\s|$)/.test(text)) {
      showNotice('Start with /invalidate, e.g. /invalidate web /index.html (the bot has one command).');
      return;
    }
    elements.input.value = '';
    showNotice('');
    stickToBottom = true;
    post('/api/command', { text }).catch((error: Error) => {
      // A refused command stays in the composer to be shortened, unless something new was typed meanwhile.
      if (elements.input.value === '') elements.input.value = text;
      showNotice(error.message);
    });
  });
  elements.input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      elements.composer.requestSubmit();
    }
  });
  document.addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-action-id]');
    if (button) clickButton(button).catch(() => {});
    const helper = (event.target as HTMLElement).closest<HTMLElement>('[data-example]');
    if (helper) {
      elements.input.value = helper.dataset.example ?? '';
      elements.input.focus();
    }
  });
  elements.modal.addEventListener('click', (event) => {
    if ((event.target as HTMLElement).closest('[data-close]')) {
      post('/api/view/close', {}).catch((error: Error) => showNotice(error.message));
    }
  });
  elements.modal.addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const values: Record<string, Record<string, string>> = {};
    for (const field of form.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>(
      '[data-block-id][data-action-id]',
    )) {
      const blockId = field.dataset.blockId ?? '';
      values[blockId] = { ...values[blockId], [field.dataset.actionId ?? '']: field.value };
    }
    post('/api/view', { viewId: form.dataset.viewId ?? '', values }).catch((error: Error) =>
      showNotice(error.message),
    );
  });

  const events = new EventSource('/api/events');
  events.addEventListener('change', () => {
    refresh().catch(() => {});
  });
  events.addEventListener('open', () => {
    refresh().catch(() => {});
  });
}

start();
