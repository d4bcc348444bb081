import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CloudFrontStandIn, startCloudFrontStandIn } from '../../src/standins/cloudfront-standin.js';
import { freePort, SERVER_ENTRYPOINT, writeConfig } from '../support/bot-process.js';
import { type PlaygroundProcess, startPlaygroundProcess } from '../support/playground-process.js';

/**
 * INVALIDATOR_PLAYGROUND_CLOUDFRONT=aws: the playground leaves CloudFront to the AWS SDK's own chain
 * (credentials, region, endpoint) instead of its simulation. Here the chain's endpoint variable points at
 * a local CloudFront, standing in for the real one.
 */
describe('the playground against CloudFront through the AWS SDK chain', () => {
  let cloudfront: CloudFrontStandIn;
  let playground: PlaygroundProcess;

  beforeAll(async () => {
    cloudfront = await startCloudFrontStandIn({ completeAfterMs: 200 });
    const cwd = writeConfig({ distributions: { site: { id: 'EREALSITE0001', approval: 'never' } } });
    playground = await startPlaygroundProcess({
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: cwd,
        PORT: String(await freePort()),
        INVALIDATOR_PLAYGROUND_CLOUDFRONT: 'aws',
        AWS_ENDPOINT_URL_CLOUDFRONT: cloudfront.url,
        AWS_ACCESS_KEY_ID: 'AKIDCHAIN',
        AWS_SECRET_ACCESS_KEY: 'chain-secret',
        AWS_REGION: 'us-east-1',
      },
    });
  });
  afterAll(async () => {
    await playground?.stop();
    await cloudfront?.close();
  });

  it('says CloudFront is real, and submits through the chain with the config file’s distribution', async () => {
    expect(playground.output()).toContain('REAL CloudFront');
    const state = (await (await fetch(new URL('/api/state', playground.url))).json()) as {
      info: { cloudfront: { mode: string }; distributions: Array<{ id: string }> };
    };
    expect(state.info.cloudfront.mode).toBe('aws');
    expect(state.info.distributions).toEqual([{ alias: 'site', id: 'EREALSITE0001' }]);

    const sent = await fetch(new URL('/api/command', playground.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'U0PLAYALICE', text: '/invalidate site /index.html' }),
    });
    expect(sent.status).toBe(200);
    const deadline = Date.now() + 20_000;
    while (cloudfront.createdCount() === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const [created] = cloudfront.invalidations('EREALSITE0001');
    expect(created?.paths).toEqual(['/index.html']);
    expect(created?.callerReference).toMatch(/^INV-/);
  });

  it('refuses to start with the sample configuration, whose distributions do not exist', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'invalidator-aws-sample-'));
    const failure = await promisify(execFile)(process.execPath, [SERVER_ENTRYPOINT], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, PORT: '0', INVALIDATOR_PLAYGROUND_CLOUDFRONT: 'aws' },
      timeout: 30_000,
    }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('INVALIDATOR_PLAYGROUND_CLOUDFRONT=aws needs your own config file');
  });
});
