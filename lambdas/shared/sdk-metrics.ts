// Counts AWS API calls per service and operation on the real SDK clients (a middleware on each
// client deps.ts builds), for the cost figures of `npm run bench`. Cheap enough to stay on.

const counts = new Map<string, number>();

type MiddlewareClient = {
  middlewareStack: {
    add(
      middleware: (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void;
  };
};

export function countCalls<C>(client: C, service: string): C {
  (client as unknown as MiddlewareClient).middlewareStack.add(
    (next, context) => (args) => {
      const key = `${service}.${context.commandName?.replace(/Command$/, '') ?? 'unknown'}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'buildmarketsCallCounter' },
  );
  return client;
}

/** Calls made by this process so far, e.g. { "DynamoDB.PutItem": 12, "SQS.SendMessageBatch": 2 }. */
export function sdkCallCounts(): Record<string, number> {
  return Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));
}
