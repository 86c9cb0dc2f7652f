// The one way domain code reads the time: a Clock passed in (tests fix it), the system clock by default.
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** The clock a component was given (`deps.now`), or the system clock. */
export const clockOf = (deps: { now?: Clock }): Clock => deps.now ?? systemClock;
