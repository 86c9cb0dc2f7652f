// One piece of work at a time per key in this process, each after the previous one settled
// (whether it succeeded or failed): an instance's own concurrent writes of one item never race
// each other's conditional writes; only other instances can. The queue of a key is forgotten
// once it is empty.
export class SerialPerKey {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(work, work);
    const settled = result.catch(() => undefined);
    this.tails.set(key, settled);
    void settled.then(() => this.tails.get(key) === settled && this.tails.delete(key));
    return result;
  }
}
