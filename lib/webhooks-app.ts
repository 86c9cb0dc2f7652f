// The CDK app, built the same way by `cdk synth` (bin/app.ts) and by the stack tests: the stage
// from context, one stack, and cdk-nag's AWS Solutions checks as a validation plugin (a finding
// that is not acknowledged in code fails the synth).
import { App, type AppProps, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stageConfigFromContext } from './stage-config.js';
import { WebhooksStack } from './webhooks-stack.js';

export type WebhooksAppOptions = AppProps & {
  /** Run cdk-nag during synthesis (default true). */
  nag?: boolean;
};

export function createWebhooksApp(options: WebhooksAppOptions = {}): { app: App; stack: WebhooksStack } {
  const { nag = true, ...appProps } = options;
  const app = new App(appProps);
  const stage = stageConfigFromContext(app.node);
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = process.env.CDK_DEFAULT_REGION;
  const stack = new WebhooksStack(app, stage.stackName, {
    stage,
    // Environment-agnostic unless the CLI knows the account (it does when credentials are set).
    ...(account && region ? { env: { account, region } } : {}),
  });
  // On every taggable resource (cost allocation, finding the service's resources).
  Tags.of(stack).add('service', 'buildmarkets-webhooks');
  Tags.of(stack).add('environment', stage.environment);
  if (nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
