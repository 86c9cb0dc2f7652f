// The type of lambdas/portal/assets.generated.js, which portal/build.ts writes (gitignored) from
// portal/: the page and its content-hashed assets as strings, so esbuild bundles them into the
// portal function and the local runtime imports them like any module. `npm start`, `cdk synth`
// and jest's global setup build it; type-checking needs only this declaration.

export type PortalAsset = { contentType: string; body: string };

/** The HTML of GET /portal, naming the assets by their hashed names. */
export declare const PORTAL_PAGE: string;

/** GET /portal/{asset}: hashed file name → content. */
export declare const PORTAL_ASSETS: Readonly<Record<string, PortalAsset>>;
