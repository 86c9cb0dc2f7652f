// Stands in for @aws-sdk/credential-provider-node in the Lambda bundles (an esbuild alias, see
// HANDLER_BUILD_OPTIONS in lib/handler-bundle.ts). Lambda always hands a function its role's credentials in
// the environment, so the default chain's other sources (SSO, INI files, credential processes,
// web identity, container and instance metadata, with the STS and SSO clients they carry) are
// dead code there — and loading them was about a third of every bundle's import time
// (`npm run bench`, cold_start). The local runtime and the CLIs run from source with the full chain.
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}) => fromEnv(init);
