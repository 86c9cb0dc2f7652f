// Jest global setup: builds the portal's page and assets (portal/build.ts writes
// lambdas/portal/assets.generated.js), which the portal function imports, then the bundles of the
// runtime and CLIs the suites start (test/support/prebuilt.ts). Plain ESM, because jest loads
// global setup outside its transform; tsx runs the TypeScript.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  const { writePortalAssets } = await tsImport('../../portal/build.ts', import.meta.url);
  await writePortalAssets();
  const { buildPrebuiltScripts } = await tsImport('./prebuilt.ts', import.meta.url);
  await buildPrebuiltScripts();
}
