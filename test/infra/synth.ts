import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { InvalidatorStack, type InvalidatorStackProps } from '../../infra/lib/stack.js';
import { writeConfig } from '../support/bot-process.js';

export const ACCOUNT = '111111111111';

export interface Synthesized {
  template: Template;
  /** the template as CloudFormation reads it */
  json: { Resources: Record<string, Resource>; Outputs: Record<string, { Value: unknown }> };
  /** every file of the asset of a function (its bundle), by logical id */
  assetFiles(functionId: string): Record<string, string>;
}

export interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Metadata?: Record<string, unknown>;
}

export interface Statement {
  Action: string | string[];
  Effect: string;
  Resource: unknown;
}

/**
 * Synthesizes the stack as `npm run synth` does, from a policy file written for the test. `bundle: false`
 * skips bundling the handlers (CDK's own switch), for tests that read only the template; `props` adds to
 * the stack's props.
 */
export async function synthesize(
  config: unknown,
  options: { bundle?: boolean; props?: Partial<InvalidatorStackProps> } = {},
): Promise<Synthesized> {
  const configPath = join(writeConfig(config), 'invalidator.config.yml');
  return synthesizeStack(
    (app) => new InvalidatorStack(app, 'Test', { policyFile: configPath, ...options.props }),
    options,
  );
}

/** Synthesizes the stack that `build` adds to a new app, as another CDK app would. */
export function synthesizeStack(build: (app: App) => Stack, options: { bundle?: boolean } = {}): Synthesized {
  const app = new App({
    outdir: mkdtempSync(join(tmpdir(), 'invalidator-cdk-')),
    context: options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {},
  });
  const stack = build(app);
  const assembly = app.synth();
  const artifact = assembly.getStackArtifact(stack.artifactId);
  const json = artifact.template as Synthesized['json'];
  return {
    template: Template.fromJSON(json),
    json,
    assetFiles: (functionId) => {
      // The code's S3 key is its asset's hash, which names the staged directory.
      const code = json.Resources[functionId]?.Properties?.Code as { S3Key: string } | undefined;
      const dir = join(assembly.directory, `asset.${code?.S3Key.replace(/\.zip$/, '')}`);
      return Object.fromEntries(
        readdirSync(dir).map((file) => [file, readFileSync(join(dir, file), 'utf8')]),
      );
    },
  };
}

/** Renders CloudFormation intrinsics as text: pseudo parameters filled in, other references by name. */
export function render(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(render);
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  if ('Ref' in object) {
    const pseudo: Record<string, string> = { 'AWS::AccountId': ACCOUNT, 'AWS::Partition': 'aws' };
    return pseudo[String(object.Ref)] ?? `ref:${String(object.Ref)}`;
  }
  if ('Fn::GetAtt' in object) return `${(object['Fn::GetAtt'] as string[]).join('.')}`;
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => render(part)).join(separator);
  }
  return Object.fromEntries(Object.entries(object).map(([key, inner]) => [key, render(inner)]));
}

export const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** The logical id of a function by the start of its id ('Slack', 'Worker'). */
export function functionId(synth: Synthesized, prefix: string): string {
  const id = Object.keys(synth.json.Resources).find(
    (key) => key.startsWith(prefix) && synth.json.Resources[key]?.Type === 'AWS::Lambda::Function',
  );
  if (!id) throw new Error(`no function ${prefix}`);
  return id;
}

/** Every statement that applies to a function's role: inline policies and attached AWS::IAM::Policy. */
export function statementsOf(synth: Synthesized, fnId: string): Statement[] {
  const role = render(synth.json.Resources[fnId]?.Properties?.Role) as string;
  const roleId = role.replace(/\.Arn$/, '');
  const statements: Statement[] = [];
  for (const resource of Object.values(synth.json.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const roles = list(render(resource.Properties?.Roles));
    if (!roles.includes(`ref:${roleId}`)) continue;
    statements.push(...policyStatements(resource));
  }
  const inline = (synth.json.Resources[roleId]?.Properties?.Policies ?? []) as Array<{
    PolicyDocument: { Statement: Statement[] };
  }>;
  for (const policy of inline) statements.push(...policy.PolicyDocument.Statement);
  return statements;
}

/** The actions of a role's statements that start with `service:`, and the resources they apply to. */
/**
 * A worker's statements apart: reconciliation's (ListDistributions on `*`, reading every distribution's
 * invalidations on `distribution/*`) and the rest, which stay on the configured distributions.
 */
export function apartFromReconcile(statements: Statement[]): { reconcile: Statement[]; rest: Statement[] } {
  const isReconcile = (statement: Statement) =>
    list(render(statement.Resource)).some(
      (resource) => resource === '*' || String(resource).endsWith(':distribution/*'),
    );
  return { reconcile: statements.filter(isReconcile), rest: statements.filter((s) => !isReconcile(s)) };
}

export function grants(statements: Statement[], service: string): { actions: string[]; resources: string[] } {
  const matching = statements.filter((statement) =>
    list(statement.Action).some((action) => String(action).startsWith(`${service}:`)),
  );
  return {
    actions: [...new Set(matching.flatMap((statement) => list(statement.Action).map(String)))].sort(),
    resources: [
      ...new Set(matching.flatMap((statement) => list(render(statement.Resource)).map(String))),
    ].sort(),
  };
}

export function policyStatements(resource: Resource): Statement[] {
  const document = resource.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined;
  return document?.Statement ?? [];
}

/** A function's environment variables. */
export function environmentOf(synth: Synthesized, fnId: string): Record<string, unknown> {
  const environment = synth.json.Resources[fnId]?.Properties?.Environment as
    | { Variables?: Record<string, unknown> }
    | undefined;
  return environment?.Variables ?? {};
}
