// The launcher lives in local/ so the bench can use it too.
export * from '../../local/runtime-process.js';
