import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/lib/bundle.js';

/** A CDK app of its own, in TypeScript, that imports the construct by the package's name. */
const APP = `
import { App, Stack, aws_dynamodb as dynamodb } from 'aws-cdk-lib';
import { Invalidator } from 'invalidator/cdk';

const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const stack = new Stack(app, 'Platform');
new Invalidator(stack, 'Invalidator', {
  policyFile: 'invalidator.config.yml',
  table: dynamodb.Table.fromTableName(stack, 'Table', 'platform-invalidator'),
  reservedConcurrency: { slack: 5 },
});
app.synth();
`;

/**
 * A directory laid out as after `npm install ../invalidator` in another CDK app: the package linked under
 * node_modules, next to the app's own aws-cdk-lib and constructs (one copy of each, as npm dedupes them).
 */
function consumerApp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'invalidator-consumer-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(REPO_ROOT, join(dir, 'node_modules/invalidator'));
  for (const name of ['aws-cdk-lib', 'constructs']) {
    symlinkSync(realpathSync(join(REPO_ROOT, 'node_modules', name)), join(dir, 'node_modules', name));
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  writeFileSync(join(dir, 'app.ts'), APP);
  copyFileSync(join(REPO_ROOT, 'invalidator.config.example.yml'), join(dir, 'invalidator.config.yml'));
  return dir;
}

describe('another CDK app', () => {
  it('imports the construct as invalidator/cdk and synthesizes it around its own table', () => {
    const dir = consumerApp();
    const run = spawnSync(join(REPO_ROOT, 'node_modules/.bin/tsx'), ['app.ts'], {
      cwd: dir,
      env: { ...process.env, CDK_OUTDIR: join(dir, 'cdk.out') },
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const template = JSON.parse(readFileSync(join(dir, 'cdk.out/Platform.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
    };
    const resources = Object.values(template.Resources);
    const functions = resources.filter((resource) => resource.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(2);
    for (const fn of functions) {
      const environment = fn.Properties?.Environment as { Variables: Record<string, unknown> };
      expect(environment.Variables.TABLE_NAME).toBe('platform-invalidator');
    }
    expect(functions.map((fn) => fn.Properties?.ReservedConcurrentExecutions)).toContain(5);
    expect(resources.filter((resource) => resource.Type === 'AWS::DynamoDB::Table')).toHaveLength(0);
    expect(resources.filter((resource) => resource.Type === 'AWS::Lambda::Url')).toHaveLength(1);
  });
});
