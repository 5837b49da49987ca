import { grown } from "./typed-arrays";

/**
 * Dense integer slots for image ids, so that in-memory indexes can keep per-image data in typed arrays.
 * A removed image's slot is dead until the owner's next merge drops its postings; slots are not reused.
 */
export class Slots {
  private readonly slotOf = new Map<string, number>();
  private idOfSlot: (string | undefined)[] = [];
  /** alive[slot] = 1 while the slot's image is indexed. */
  alive = new Uint8Array(1024);
  /** A slot was released since the owner's last merge (aliveForMerge). */
  private releasedSinceMerge = false;

  constructor(private readonly onGrow: (capacity: number) => void = () => {}) {}

  get size(): number {
    return this.slotOf.size;
  }

  get capacity(): number {
    return this.alive.length;
  }

  /** The id of a live slot, or undefined. */
  idOf(slot: number): string | undefined {
    return this.idOfSlot[slot];
  }

  /** A fresh slot for `id` (the caller removes an existing one first). */
  assign(id: string): number {
    const slot = this.idOfSlot.length;
    this.idOfSlot.push(id);
    this.slotOf.set(id, slot);
    if (slot >= this.alive.length) {
      this.alive = grown(this.alive, Math.max(slot + 1, this.alive.length * 2));
      this.onGrow(this.alive.length);
    }
    this.alive[slot] = 1;
    return slot;
  }

  /** Frees id's slot; returns it, or undefined when id was not indexed. */
  release(id: string): number | undefined {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return undefined;
    this.slotOf.delete(id);
    this.idOfSlot[slot] = undefined;
    this.alive[slot] = 0;
    this.releasedSinceMerge = true;
    return slot;
  }

  /**
   * What the owner's merge checks postings against (PostingTable.merge), called once per merge: `alive` when a
   * slot was released since the last merge, whose postings must go; else undefined, since slots are not reused and
   * every posting is then alive (the merge keeps them all without looking at each).
   */
  aliveForMerge(): Uint8Array | undefined {
    const alive = this.releasedSinceMerge ? this.alive : undefined;
    this.releasedSinceMerge = false;
    return alive;
  }

  /** Bytes of the typed arrays (the id strings and map are not counted). */
  memoryBytes(): number {
    return this.alive.byteLength;
  }
}
