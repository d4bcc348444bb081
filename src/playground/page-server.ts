import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import type { Activity } from './activity.js';
import { playgroundHosts, type SameOrigin, sameOrigin } from './same-origin.js';
import type { PageInfo, PageState } from './web/api.js';
import { BotAnswerError, type Workspace } from './workspace.js';

/**
 * The playground's page and its small JSON API: the page asks for what one person sees
 * (`GET /api/state`), hears about changes as server-sent events (`GET /api/events`), and acts through
 * `POST /api/command`, `/api/action`, `/api/view`, `/api/view/close` and `/api/home`.
 */

export interface PageServer {
  url: string;
  /** tells every open page that something changed */
  changed(): void;
  close(): Promise<void>;
}

const WEB_ROOT = fileURLToPath(new URL('./web/', import.meta.url));
const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/render.js': { file: 'render.js', type: 'text/javascript; charset=utf-8' },
};
const MAX_BODY_BYTES = 1_000_000;
/** Slack's limit on a message's text, which a slash command's text cannot pass either. */
const SLACK_TEXT_MAX_CHARACTERS = 40_000;
const userId = z.string().regex(/^[UW][A-Z0-9]+$/, 'a Slack user id');

const commandInput = z.strictObject({ user: userId, text: z.string() });
const actionInput = z.strictObject({
  user: userId,
  target: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('message'), ts: z.string() }),
    z.strictObject({ kind: z.literal('ephemeral'), id: z.string() }),
    z.strictObject({ kind: z.literal('home') }),
  ]),
  actionId: z.string().max(255),
  value: z.string().max(2000),
  blockId: z.string().max(255).optional(),
});
const viewInput = z.strictObject({
  user: userId,
  viewId: z.string(),
  values: z.record(z.string(), z.record(z.string(), z.string().max(3000))),
});
const userInput = z.strictObject({ user: userId });

export async function startPageServer(options: {
  host: string;
  port: number;
  workspace: Workspace;
  activity: Activity;
  info: PageInfo;
}): Promise<PageServer> {
  const { workspace, activity, info } = options;
  const listeners = new Set<ServerResponse>();
  const known = new Set(info.personas.map((p) => p.id));

  const actions: Record<string, (body: unknown) => Promise<void>> = {
    '/api/command': async (body) => {
      const input = parse(commandInput, body, known);
      // Slack itself would not send it: the bot never sees such a paste, so the page answers instead.
      if (input.text.length > SLACK_TEXT_MAX_CHARACTERS)
        throw new BadInput(commandTooLong(input.text.length));
      await workspace.command(input.user, input.text.replace(/^\s*\/invalidate\b/, '').trim());
    },
    '/api/action': async (body) => {
      const { user, target, ...click } = parse(actionInput, body, known);
      await workspace.click(
        user,
        target,
        click.blockId === undefined
          ? { actionId: click.actionId, value: click.value }
          : { ...click, blockId: click.blockId },
      );
    },
    '/api/view': async (body) => {
      const input = parse(viewInput, body, known);
      await workspace.submitModal(input.user, input.viewId, input.values);
    },
    '/api/view/close': async (body) => {
      workspace.closeModal(parse(userInput, body, known).user);
    },
    '/api/home': async (body) => {
      await workspace.openHome(parse(userInput, body, known).user);
    },
  };

  // Set once the server listens (its port may be chosen by the system); no request comes before.
  let guard: SameOrigin | undefined;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused = guard ? guard.refusal(req.method, req.headers) : 'Not listening yet.';
    if (refused) return sendJson(res, 403, { error: refused });
    const url = new URL(req.url ?? '/', 'http://playground');
    const asset = ASSETS[url.pathname];
    if (req.method === 'GET' && asset) {
      const content = await readFile(`${WEB_ROOT}${asset.file}`);
      res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-store' });
      res.end(content);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/healthz') return sendJson(res, 200, { ok: true });
    if (req.method === 'GET' && url.pathname === '/api/state') {
      // An unknown or missing person (a first visit) sees the page as the first persona.
      const asked = url.searchParams.get('user') ?? '';
      const user = known.has(asked) ? asked : (info.personas[0]?.id ?? '');
      const state: PageState = { info, view: workspace.viewFor(user), activity: activity.snapshot() };
      return sendJson(res, 200, state);
    }
    if (req.method === 'GET' && url.pathname === '/api/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write('retry: 1000\n\n');
      listeners.add(res);
      req.on('close', () => listeners.delete(res));
      return;
    }
    const action = actions[url.pathname];
    if (req.method === 'POST' && action) {
      await action(await readJson(req));
      return sendJson(res, 200, { ok: true });
    }
    sendJson(res, 404, { error: 'Not found.' });
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      const known = error instanceof BadInput || error instanceof BotAnswerError;
      const message = known ? error.message : 'The playground could not do that; see its console.';
      if (!known) console.error('playground: request failed', req.method, req.url, error);
      if (!res.headersSent) sendJson(res, known ? 400 : 500, { error: message });
      else res.end();
    });
  });
  const url = await listen(server, options.host, options.port);
  guard = sameOrigin(playgroundHosts(options.host, (server.address() as AddressInfo).port));
  let pending: NodeJS.Timeout | undefined;
  return {
    url,
    changed: () => {
      // Many changes come in bursts (a card posted, updated, replied to): one event per burst is enough.
      pending ??= setTimeout(() => {
        pending = undefined;
        for (const listener of listeners) listener.write('event: change\ndata: {}\n\n');
      }, 30);
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(pending);
        for (const listener of listeners) listener.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

class BadInput extends Error {}

/** Worded as the bot's refusals are: what happened, that nothing was submitted, and what to do instead. */
function commandTooLong(characters?: number): string {
  const limit = SLACK_TEXT_MAX_CHARACTERS.toLocaleString('en-US');
  const what =
    characters === undefined
      ? `That is more than Slack takes in one command (${limit} characters)`
      : `That is ${characters.toLocaleString('en-US')} characters; Slack takes at most ${limit} in one command`;
  return `${what}, so it would never reach the bot. Nothing was submitted. Use a wildcard (e.g. /assets/*) or split the paths into several requests.`;
}

function parse<T>(schema: z.ZodType<T>, body: unknown, known: Set<string>): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new BadInput(
      result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    );
  }
  const { user } = result.data as { user: string };
  if (!known.has(user)) throw new BadInput(`Unknown person ${user}: pick one of the list.`);
  return result.data;
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BadInput(commandTooLong()));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new BadInput('The request body must be JSON.'));
      }
    });
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function listen(server: Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: bound } = server.address() as AddressInfo;
      const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      resolve(`http://${shown.includes(':') ? `[${shown}]` : shown}:${bound}/`);
    });
  });
}
