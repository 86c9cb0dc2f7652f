// portal.ts imports its style sheet for esbuild to bundle (portal/build.ts); the module has no exports.
declare module '*.css';
