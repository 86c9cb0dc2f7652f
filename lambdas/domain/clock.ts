// The one way domain code reads the time: a Clock passed in (tests fix it), the system clock by default.
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
