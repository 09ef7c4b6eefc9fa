// Shuffle sharding (k8s.io/apiserver pkg/util/shufflesharding/shufflesharding.go, kubernetes-1.32.13): a Dealer
// turns a flow's 64-bit hash into a hand of `handSize` distinct cards (queue indices) out of a deck of `deckSize`,
// by reading the hash as a mixed-radix number (digits base deckSize, deckSize-1, ...) and mapping each digit to the
// n-th card not yet dealt. The arithmetic is unsigned 64-bit; BigInt keeps it exact. Validation of a
// PriorityLevelConfiguration uses requiredEntropyBits and MAX_HASH_BITS (60) to bound handSize for a given deck.

/** Using all 64 bits would make the last card uneven up to 2:3; 60 bits keep that within 32:33. */
export const MAX_HASH_BITS = 60;
const MAX_DECK_SIZE = 1 << 26;
const UINT64_MASK = (1n << 64n) - 1n;

/** Go's math.Log2: exact for powers of two (via Frexp), Log(frac)/Ln2 + exp otherwise. */
function goLog2(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return Math.log2(x);
  let exp = Math.floor(Math.log2(x)) + 1;
  let frac = x / 2 ** exp;
  // Correct the floating estimate so that frac is in [0.5, 1), as Frexp returns it.
  while (frac >= 1) {
    frac /= 2;
    exp++;
  }
  while (frac < 0.5) {
    frac *= 2;
    exp--;
  }
  if (frac === 0.5) return exp - 1;
  return Math.log(frac) * (1 / Math.LN2) + exp;
}

/** A quick, slightly conservative estimate of the hash bits a deal consumes: ceil(log2(deckSize) * handSize). */
export function requiredEntropyBits(deckSize: number, handSize: number): number {
  return Math.ceil(goLog2(deckSize) * handSize);
}

export class Dealer {
  private constructor(
    readonly deckSize: number,
    readonly handSize: number,
  ) {}

  /** NewDealer: the same checks and messages as upstream. */
  static create(deckSize: number, handSize: number): Dealer {
    if (!(deckSize > 0) || !(handSize > 0)) throw new RangeError(`deckSize ${deckSize} or handSize ${handSize} is not positive`);
    if (handSize > deckSize) throw new RangeError(`handSize ${handSize} is greater than deckSize ${deckSize}`);
    if (deckSize > MAX_DECK_SIZE) throw new RangeError(`deckSize ${deckSize} is impractically large`);
    if (requiredEntropyBits(deckSize, handSize) > MAX_HASH_BITS) {
      throw new RangeError(`required entropy bits of deckSize ${deckSize} and handSize ${handSize} is greater than ${MAX_HASH_BITS}`);
    }
    return new Dealer(deckSize, handSize);
  }

  /** Deal: the cards in the order upstream's pick callback receives them. */
  dealIntoHand(hashValue: bigint): number[] {
    let hash = hashValue & UINT64_MASK;
    const remainders: number[] = new Array<number>(this.handSize);
    for (let i = 0; i < this.handSize; i++) {
      const base = BigInt(this.deckSize - i);
      const next = hash / base;
      remainders[i] = Number(hash - base * next);
      hash = next;
    }
    const hand: number[] = new Array<number>(this.handSize);
    for (let i = 0; i < this.handSize; i++) {
      let card = remainders[i]!;
      for (let j = i; j > 0; j--) {
        if (card >= remainders[j - 1]!) card++;
      }
      hand[i] = card;
    }
    return hand;
  }
}
