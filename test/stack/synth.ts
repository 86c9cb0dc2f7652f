// Builds the app exactly as bin/app.ts does (cdk.json's feature flags included), for assertions.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App, CfnResource } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PROJECT_ROOT } from '../../lib/webhook-function.js';
import { createWebhooksApp } from '../../lib/webhooks-app.js';
import type { WebhooksStack } from '../../lib/webhooks-stack.js';

const CDK_JSON_CONTEXT = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;

export type SynthOptions = {
  context?: Record<string, unknown>;
  bundle?: boolean;
  nag?: boolean;
  /**
   * CDK's built-in CloudFormation validation (schema and rules, errors by cdk.json's
   * validateAgainstDefaultRules). The first in a process costs ~4–6 s of CPU (the validator's
   * engine starts), so only topics/webhooks-stack.ts asks for it, on the default stage and one
   * with every optional part; the other synths assert on the template only.
   */
  validate?: boolean;
};

export function buildApp(options: SynthOptions = {}) {
  return createWebhooksApp({
    nag: options.nag ?? false,
    builtinCloudFormationValidation: options.validate ?? false,
    outdir: mkdtempSync(join(tmpdir(), 'bm-cdk-')),
    context: {
      ...CDK_JSON_CONTEXT,
      // No construct creation stack traces in the metadata: no test reads them, and capturing them
      // (through jest's source-map support) took ~1 s of each file's synths.
      'aws:cdk:disable-stack-trace': true,
      'aws:cdk:disable-creation-stack-traces': true,
      // Unit tests skip esbuild; the bundling test turns it on.
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
  });
}

export type Synthesized = { app: App; stack: WebhooksStack; template: Template };

export function synth(options: SynthOptions = {}): Synthesized {
  const { app, stack } = buildApp(options);
  return { app, stack, template: Template.fromStack(stack) };
}

let defaultSynth: Synthesized | undefined;
/** The default (sandbox) stage, synthesized once for every topic that reads it (and none changes it). */
export const defaultStage = (): Synthesized => (defaultSynth ??= synth());

/** A live stage must name its alarm topic. */
export const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:ops-pager';
/** A live stage must name the principals that publish events. */
export const PRODUCER = 'arn:aws:iam::111122223333:role/orders-service';

/**
 * Unacknowledged AWS Solutions findings of a synthesized app (any level), one line each: rule and
 * construct. A walk costs ~1.4 s of CPU: a synth with `nag` fails on the same findings. The tests
 * walk a few templates that between them hold every kind of resource (topics/webhooks-stack.ts).
 */
export function nagFindings(synthesized: App): string[] {
  const report = new AwsSolutionsChecks(synthesized).validateScope(synthesized);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath ?? r.resourceLogicalId}`));
}

/** The logical ID of a construct's CloudFormation resource. */
export function logicalId(stack: WebhooksStack, resource: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(resource.node.defaultChild as CfnResource);
}

export type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Principal?: unknown; Condition?: unknown; Sid?: string };

export const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** Every IAM statement attached to a function's role (its inline policies). */
export function roleStatements(template: Template, stack: WebhooksStack, functionName: string): Statement[] {
  const roleId = logicalId(stack, stack.functionNamed(functionName).role);
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } } }[];
  const managed = template.findResources('AWS::IAM::Role')[roleId]?.Properties?.ManagedPolicyArns;
  if (managed) throw new Error(`${functionName}: role has managed policies ${JSON.stringify(managed)}`);
  return policies.filter((p) => p.Properties.Roles.some((r) => r.Ref === roleId)).flatMap((p) => p.Properties.PolicyDocument.Statement);
}
