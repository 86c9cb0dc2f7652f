// Types of chromium-package.mjs (plain ESM: npm's postinstall runs it before anything is built).
export declare const CHROMIUM_PACKAGE: string;
/** Where the installed package keeps its archives and where its Chromium is unpacked to. */
export declare function chromiumPackage(): { bin: string; dir: string };
export declare function unpackChromium(bin: string, dir: string): Promise<void>;
