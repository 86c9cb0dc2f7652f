// Loads `lambdas/<name>.handler.ts` once and keeps it warm, as a Lambda execution environment would.
import { join } from 'node:path';
import type { Context } from 'aws-lambda';

export type LambdaHandler<E = any, R = any> = (event: E, context: Context) => Promise<R>;

export function handlerLoader(): <E, R>(name: string) => Promise<LambdaHandler<E, R>> {
  const loaded = new Map<string, Promise<LambdaHandler>>();
  return <E, R>(name: string) => {
    let handler = loaded.get(name);
    if (!handler) {
      const file = join(import.meta.dirname, '..', 'lambdas', `${name}.handler.ts`);
      handler = import(file).then((m: { handler: LambdaHandler }) => m.handler);
      loaded.set(name, handler);
    }
    return handler as Promise<LambdaHandler<E, R>>;
  };
}
