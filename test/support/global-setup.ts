// Jest global setup: the portal function imports its built page and assets (portal/build.ts).
import { writePortalAssets } from '../../portal/build.js';

export default async function globalSetup(): Promise<void> {
  await writePortalAssets();
}
