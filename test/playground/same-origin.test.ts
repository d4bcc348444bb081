import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, SERVER_ENTRYPOINT, writeConfig } from '../support/bot-process.js';
import { type PlaygroundProcess, startPlaygroundProcess } from '../support/playground-process.js';

const ALICE = 'U0PLAYALICE';

interface Answer {
  status: number;
  body: string;
}

/** An HTTP request with exactly these headers (fetch would not let a test set Host). */
function send(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const target = new URL(options.path, url);
    const req = httpRequest(
      target,
      { method: options.method ?? 'GET', headers: options.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        // Server-sent events never end: the status and first bytes are enough.
        if (res.headers['content-type']?.startsWith('text/event-stream')) {
          resolve({ status: res.statusCode ?? 0, body: '' });
          res.destroy();
          return;
        }
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const command = (text: string) => JSON.stringify({ user: ALICE, text: `/invalidate ${text}` });

describe('the playground answers only its own page', () => {
  let playground: PlaygroundProcess;
  let port: number;
  const own = () => `127.0.0.1:${port}`;
  const view = async () => {
    const state = await send(playground.url, { path: `/api/state?user=${ALICE}`, headers: { host: own() } });
    expect(state.status).toBe(200);
    const { view, activity } = JSON.parse(state.body) as { view: unknown; activity: unknown };
    return JSON.stringify({ view, activity });
  };

  beforeAll(async () => {
    port = await freePort();
    // Reconciliation off: its own reads of CloudFront would show in the activity this test compares.
    const cwd = writeConfig({
      distributions: { docs: { id: 'EPLAYGROUNDDOC', approval: 'never' } },
      reconciliation: { enabled: false },
    });
    playground = await startPlaygroundProcess({
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, PORT: String(port) },
    });
  });
  afterAll(() => playground?.stop());

  it.each([
    ['from another site', { 'content-type': 'application/json', origin: 'http://evil.example' }],
    ['from a page with an opaque origin', { 'content-type': 'application/json', origin: 'null' }],
    [
      'from the playground’s port on another scheme',
      { 'content-type': 'application/json', origin: 'https://127.0.0.1' },
    ],
    ['as text/plain (a form or a no-preflight fetch can send it)', { 'content-type': 'text/plain' }],
    ['as a form', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['without a content type', {}],
    ['under another host name (DNS rebinding)', { 'content-type': 'application/json', host: 'evil.example' }],
  ] as Array<[string, Record<string, string>]>)(
    'refuses a POST %s with 403, changing nothing',
    async (_case, headers) => {
      const before = await view();
      const answer = await send(playground.url, {
        method: 'POST',
        path: '/api/command',
        headers: { host: own(), ...headers },
        body: command('docs /refused.html'),
      });
      expect(answer.status).toBe(403);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await view()).toBe(before);
      expect(before).not.toContain('refused.html');
    },
  );

  it.each(['/api/state', '/api/events', '/'])('refuses GET %s under another host name', async (path) => {
    const answer = await send(playground.url, { path, headers: { host: `evil.example:${port}` } });
    expect(answer.status).toBe(403);
    expect(answer.body).not.toContain(ALICE);
  });

  it.each([
    ['127.0.0.1, with its own origin', () => ({ host: own(), origin: `http://${own()}` })],
    ['localhost, with no origin (a script on the machine)', () => ({ host: `localhost:${port}` })],
    [
      'localhost, with its own origin',
      () => ({ host: `localhost:${port}`, origin: `http://localhost:${port}` }),
    ],
  ] as Array<[string, () => Record<string, string>]>)(
    'takes JSON from its own page at %s',
    async (_case, headers) => {
      const path = `/allowed-${Math.random().toString(36).slice(2)}.html`;
      const answer = await send(playground.url, {
        method: 'POST',
        path: '/api/command',
        headers: { 'content-type': 'application/json; charset=utf-8', ...headers() },
        body: command(`docs ${path}`),
      });
      expect(answer.status, answer.body).toBe(200);
      const deadline = Date.now() + 10_000;
      while (!(await view()).includes(path) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await view()).toContain(path);
      const events = await send(playground.url, { path: '/api/events', headers: headers() });
      expect(events.status).toBe(200);
    },
  );
});

describe('npm start where a deployment was meant', () => {
  it.each([
    ['TABLE_NAME is set', { TABLE_NAME: 'invalidator-prod' }],
    ['NODE_ENV is production', { NODE_ENV: 'production' }],
  ])(
    'exits non-zero naming the missing Slack credentials when %s, and never opens the playground',
    async (why, env) => {
      const cwd = writeConfig({ distributions: { docs: { id: 'EDOCS00000001', approval: 'never' } } });
      const failure = await promisify(execFile)(process.execPath, [SERVER_ENTRYPOINT], {
        cwd,
        env: { PATH: process.env.PATH ?? '', HOME: cwd, PORT: '0', ...env },
        timeout: 30_000,
      }).then(
        () => undefined,
        (error: { code?: number; stdout?: string; stderr?: string }) => error,
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stderr).toContain('SLACK_BOT_TOKEN');
      expect(failure?.stderr).toContain('SLACK_SIGNING_SECRET');
      expect(failure?.stderr).toContain(`${why}, so the local playground does not start`);
      expect(failure?.stdout).not.toContain('Invalidator playground:');
    },
  );
});
