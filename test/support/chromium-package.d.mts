// Types of chromium-package.mjs (plain ESM: npm's postinstall runs it before anything is built).
/** Why the package's Chromium cannot run here, or undefined where it can (x64 Linux). */
export declare function unsupportedPlatform(): string | undefined;
/** The directory of the package's Chromium, unpacked first if it is not yet. Throws when the package is not installed. */
export declare function unpackedChromium(): Promise<{ dir: string; unpacked: boolean }>;
