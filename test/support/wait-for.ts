// The polling helper lives beside the runtime launcher, which uses it too.
export * from '../../local/wait-for.js';
