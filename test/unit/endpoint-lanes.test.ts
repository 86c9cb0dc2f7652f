// EndpointLanes: the fan-out's view of which lane serves each endpoint — slow-lane endpoints' jobs
// are queued there directly. One BatchGetItem for the endpoints not cached, kept for the TTL; a
// failed read sends jobs to the fast lane (whose worker moves them) and is not remembered.
import { EndpointLanes } from '../../lambdas/delivery/endpoint-lanes.js';
import { FakeEndpointStore } from '../support/delivery-fakes.js';

function setup() {
  const store = new FakeEndpointStore();
  const reads: string[][] = [];
  let failing = false;
  const counting = {
    getMany: async (ids: string[]) => {
      reads.push(ids);
      if (failing) throw new Error('throttled');
      return store.getMany(ids);
    },
  };
  const clock = { now: 1_000_000 };
  const lanes = new EndpointLanes(counting, 1000, () => new Date(clock.now));
  return { store, reads, lanes, clock, fail: (on: boolean) => (failing = on) };
}

describe('EndpointLanes', () => {
  it('gives the slow lane to endpoints whose health says slow, the fast lane to the rest (unknown ones too)', async () => {
    const { store, lanes } = setup();
    store.put({ webhookId: 'slow-one', lane: 'slow' });
    store.put({ webhookId: 'fast-one', lane: 'fast', consecutiveFailures: 2 });
    expect(await lanes.lanesOf(['slow-one', 'fast-one', 'never-seen'])).toEqual(
      new Map([
        ['slow-one', 'slow'],
        ['fast-one', 'fast'],
        ['never-seen', 'fast'],
      ]),
    );
  });

  it('reads the endpoints not cached in one call, and none again within the TTL', async () => {
    const { reads, lanes, clock } = setup();
    await lanes.lanesOf(['a', 'b']);
    await lanes.lanesOf(['b', 'c']);
    expect(reads).toEqual([['a', 'b'], ['c']]);
    clock.now += 999;
    await lanes.lanesOf(['a', 'b', 'c']);
    expect(reads).toHaveLength(2);
    clock.now += 1;
    await lanes.lanesOf(['a', 'c']);
    expect(reads).toEqual([['a', 'b'], ['c'], ['a', 'c']]);
  });

  it('sees a lane change once the TTL has passed', async () => {
    const { store, lanes, clock } = setup();
    expect((await lanes.lanesOf(['a'])).get('a')).toBe('fast');
    store.put({ webhookId: 'a', lane: 'slow' });
    expect((await lanes.lanesOf(['a'])).get('a')).toBe('fast');
    clock.now += 1000;
    expect((await lanes.lanesOf(['a'])).get('a')).toBe('slow');
  });

  it('answers the fast lane when the read fails, and reads again next time', async () => {
    const { store, reads, lanes, fail } = setup();
    store.put({ webhookId: 'a', lane: 'slow' });
    fail(true);
    expect((await lanes.lanesOf(['a'])).get('a')).toBe('fast');
    fail(false);
    expect((await lanes.lanesOf(['a'])).get('a')).toBe('slow');
    expect(reads).toHaveLength(2);
  });
});
