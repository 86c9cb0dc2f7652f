// Loads a function's handler (`lambdas/<name>.handler.ts`) on its first call and keeps it warm, as a
// Lambda execution environment would. The handlers are listed here by name (not imported by a
// computed path) so that a bundle of the runtime (the tests' prebuilt runtime) carries them all.
import type { Context } from 'aws-lambda';
import type { FunctionName } from '../lib/function-access.js';

export type LambdaHandler<E = any, R = any> = (event: E, context: Context) => Promise<R>;

type HandlerModule = { handler: LambdaHandler };

const HANDLER_MODULES = {
  'create-webhook': () => import('../lambdas/create-webhook.handler.js'),
  'delete-webhook': () => import('../lambdas/delete-webhook.handler.js'),
  'deliver': () => import('../lambdas/deliver.handler.js'),
  'deliver-slow': () => import('../lambdas/deliver-slow.handler.js'),
  'fallback': () => import('../lambdas/fallback.handler.js'),
  'fan-out': () => import('../lambdas/fan-out.handler.js'),
  'get-egress-ips': () => import('../lambdas/get-egress-ips.handler.js'),
  'get-openapi': () => import('../lambdas/get-openapi.handler.js'),
  'get-webhook': () => import('../lambdas/get-webhook.handler.js'),
  'list-deliveries': () => import('../lambdas/list-deliveries.handler.js'),
  'list-event-types': () => import('../lambdas/list-event-types.handler.js'),
  'list-webhooks': () => import('../lambdas/list-webhooks.handler.js'),
  'portal': () => import('../lambdas/portal.handler.js'),
  'recover-events': () => import('../lambdas/recover-events.handler.js'),
  'redeliver-event': () => import('../lambdas/redeliver-event.handler.js'),
  'rotate-secret': () => import('../lambdas/rotate-secret.handler.js'),
  'sweeper': () => import('../lambdas/sweeper.handler.js'),
  'test-webhook': () => import('../lambdas/test-webhook.handler.js'),
  'update-webhook': () => import('../lambdas/update-webhook.handler.js'),
} satisfies Record<FunctionName, () => Promise<HandlerModule>>;

export function handlerLoader(): <E, R>(name: string) => Promise<LambdaHandler<E, R>> {
  const loaded = new Map<string, Promise<LambdaHandler>>();
  return <E, R>(name: string) => {
    let handler = loaded.get(name);
    if (!handler) {
      const load = (HANDLER_MODULES as Record<string, () => Promise<HandlerModule>>)[name];
      handler = load ? load().then((m) => m.handler) : Promise.reject(new Error(`no handler named ${name}`));
      loaded.set(name, handler);
    }
    return handler as Promise<LambdaHandler<E, R>>;
  };
}
