// Keeps a delivery invocation's attempt slots busy while one of its attempts is slow.
//
// An SQS batch ends with its slowest attempt: a batch holding one attempt to an endpoint that
// answers in 3 s, or never (cut at the lane's deadline), would leave its other slots idle that
// long, and with every batch holding one (hundreds of bad endpoints at once) a lane would run at a
// tenth of its speed. So once the batch has run `afterMs` and at least `minFree` of its `slots`
// are free, the invocation receives more messages of its own queue itself (ReceiveMessage, short
// poll) and works them beside the slow attempt, until `windowMs` from its start (the longest an
// attempt of the lane may run, so the invocation ends within about twice that).
//
// The ports are the queue's receive and the work on received messages (deliver-batch.ts), so the
// scheduling here is free of the SDK and tested with fakes and a fake clock.

export type RefillPolicy = {
  /** Attempts an invocation makes at once: the event source mapping's batch size. */
  slots: number;
  /** Receive only this many free slots or more (one ReceiveMessage is one billed request). */
  minFree: number;
  /** A batch still running this long has a slow attempt: from here on, free slots are filled. */
  afterMs: number;
  /** No more receives this long after the invocation started. */
  windowMs: number;
  /** After an empty receive, look again this much later. */
  emptyBackoffMs: number;
};

export type RefillPorts<M> = {
  receive(max: number): Promise<M[]>;
  /** Works received messages to the end (their queue actions included); `settled` once per message as its attempt ends. */
  work(messages: M[], settled: () => void): Promise<void>;
  onError(what: string, error: unknown): void;
  now?: () => number;
};

/**
 * Runs `first` (the batch the event source mapping gave, `count` messages, calling `settled` as each
 * ends) and fills its free slots with messages received meanwhile; returns `first`'s result once
 * every received message is worked too.
 */
export async function workWithRefill<M, R>(count: number, first: (settled: () => void) => Promise<R>, policy: RefillPolicy, ports: RefillPorts<M>): Promise<R> {
  const now = ports.now ?? Date.now;
  const start = now();
  const pending = new Set<Promise<void>>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let inFlight = count;
  let receiving = false;
  let closed = false;

  const track = (p: Promise<void>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  const later = (ms: number) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fill();
    }, ms);
    timers.add(timer);
  };
  const settled = () => {
    inFlight--;
    fill();
  };
  const fill = (): void => {
    const elapsed = now() - start;
    const free = policy.slots - inFlight;
    if (closed || receiving || inFlight === 0 || elapsed >= policy.windowMs) return;
    // A timer may fire a millisecond early by this clock (setTimeout's is another): look again then,
    // or no receive would ever start (nothing else calls fill while every attempt is slow).
    if (elapsed < policy.afterMs) {
      if (timers.size === 0) later(policy.afterMs - elapsed);
      return;
    }
    if (free < policy.minFree) return;
    receiving = true;
    track(ports.receive(free).then(received, (error: unknown) => received([], error)));
  };
  const received = (messages: M[], error?: unknown): void => {
    receiving = false;
    if (error !== undefined) ports.onError('refill: receive failed', error);
    if (messages.length === 0) return later(policy.emptyBackoffMs);
    inFlight += messages.length;
    track(ports.work(messages, settled).catch((e: unknown) => ports.onError('refill: working received messages failed', e)));
    fill();
  };

  later(policy.afterMs);
  try {
    const result = await first(settled);
    while (pending.size > 0) await Promise.all(pending);
    return result;
  } finally {
    closed = true;
    for (const timer of timers) clearTimeout(timer);
    // A receive or work started after the drain above (a timer that fired just now) is still awaited.
    while (pending.size > 0) await Promise.all(pending);
  }
}
