// The one extension point on the SDK clients the object graph builds: a host may register hooks
// (e.g. middleware) before the first client is built. Lambda registers none; the local runtime
// registers the bench's observer only when `npm run bench` starts it (see bin/local.ts).

export type SdkService = 'DynamoDB' | 'SQS' | 'KMS';

/** What a hook may touch: the client's middleware stack (AWS SDK v3). */
export type HookableClient = {
  middlewareStack: { add(middleware: unknown, options: { step: 'initialize' | 'serialize' | 'build' | 'finalizeRequest' | 'deserialize'; name: string }): void };
};

type ClientHook = (client: HookableClient, service: SdkService) => void;

const hooks: ClientHook[] = [];

export function addClientHook(hook: ClientHook): void {
  hooks.push(hook);
}

/** Every SDK client of the object graph passes through this once, right after it is built. */
export function withClientHooks<C>(client: C, service: SdkService): C {
  for (const hook of hooks) hook(client as unknown as HookableClient, service);
  return client;
}
