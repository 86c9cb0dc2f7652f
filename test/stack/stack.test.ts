// The CDK app's tests, one module per topic (topics/), run as one jest file: each jest file loads
// aws-cdk-lib afresh (~2 s of CPU) and synthesizes the default stage again; here both happen once.
import './topics/webhooks-stack.js';
import './topics/data-key.js';
import './topics/static-egress.js';
import './topics/bundling.js';
