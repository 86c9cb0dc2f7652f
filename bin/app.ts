// `npx cdk synth` / `npx cdk deploy`: the Buildmarkets Webhooks stack (see docs/deploy.md).
// Stage parameters come from context: `-c environment=live -c alarmTopicArn=arn:aws:sns:…`, `-c stackName=...`, ….
import { createWebhooksApp } from '../lib/webhooks-app.js';
import { writePortalAssets } from '../portal/build.js';

// The portal function bundles the built page and assets (lambdas/portal/assets.generated.js).
await writePortalAssets();
createWebhooksApp();
