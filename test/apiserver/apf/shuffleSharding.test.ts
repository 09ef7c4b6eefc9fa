// Shuffle sharding: the Dealer and the flow hash (shufflesharding.go, apf_controller.go hashFlowID). Literal
// expectations were computed independently (Python's hashlib and arbitrary-precision integers).
import { describe, expect, it } from 'vitest';
import { Dealer, hashFlowId, MAX_HASH_BITS, requiredEntropyBits } from '../../../sim/apiserver/apf/index.ts';

describe('flow hash', () => {
  it('is the little-endian first 8 bytes of SHA-256(fsName NUL distinguisher)', () => {
    expect(hashFlowId('service-accounts', 'system:serviceaccount:default:a')).toBe(2014990045381161825n);
    // the input of upstream's BenchmarkHash
    expect(hashFlowId('supercalifragilistic expialidocious', 'the sound of it is something quite atrocious')).toBe(5000077655074073754n);
  });
});

describe('Dealer', () => {
  it('checks its parameters like NewDealer', () => {
    expect(requiredEntropyBits(1024, 6)).toBe(60);
    expect(requiredEntropyBits(512, 8)).toBe(72);
    expect(requiredEntropyBits(128, 6)).toBe(42);
    expect(MAX_HASH_BITS).toBe(60);
    expect(() => Dealer.create(-100, 8)).toThrow('deckSize -100 or handSize 8 is not positive');
    expect(() => Dealer.create(100, 0)).toThrow('deckSize 100 or handSize 0 is not positive');
    expect(() => Dealer.create(100, 101)).toThrow('handSize 101 is greater than deckSize 100');
    expect(() => Dealer.create(1 << 27, 2)).toThrow('deckSize 134217728 is impractically large');
    expect(() => Dealer.create(512, 8)).toThrow('required entropy bits of deckSize 512 and handSize 8 is greater than 60');
    expect(() => Dealer.create(1024, 6)).not.toThrow();
  });

  it('deals the cards upstream deals, with exact 64-bit arithmetic', () => {
    expect(Dealer.create(4, 2).dealIntoHand(7n)).toEqual([3, 1]);
    expect(Dealer.create(10, 3).dealIntoHand(12345n)).toEqual([5, 1, 2]);
    expect(Dealer.create(64, 6).dealIntoHand(2n ** 64n - 1n)).toEqual([63, 15, 55, 23, 31, 2]);
    expect(Dealer.create(128, 6).dealIntoHand(hashFlowId('service-accounts', 'system:serviceaccount:default:a'))).toEqual([97, 46, 30, 113, 47, 72]);
  });

  it('is deterministic for a flow and deals distinct cards', () => {
    const dealer = Dealer.create(128, 6);
    for (let i = 0; i < 2000; i++) {
      const h = hashFlowId('service-accounts', `system:serviceaccount:ns${i % 7}:sa-${i}`);
      const hand = dealer.dealIntoHand(h);
      expect(dealer.dealIntoHand(h)).toEqual(hand);
      expect(new Set(hand).size).toBe(6);
      for (const c of hand) expect(c >= 0 && c < 128).toBe(true);
    }
    for (const [deck, hand] of [
      [4, 4],
      [8, 8],
      [12, 12],
      [256, 7],
      [512, 6],
    ] as const) {
      const d = Dealer.create(deck, hand);
      for (let i = 0; i < 200; i++) expect(new Set(d.dealIntoHand(hashFlowId('x', String(i)))).size).toBe(hand);
    }
  });

  it('spreads the hands of many flows uniformly over the queues', () => {
    // 20000 flows x 6 cards over 128 queues: 937.5 expected per queue. For a uniform dealer the chi-square
    // statistic has 127 degrees of freedom: mean 127, standard deviation sqrt(2 x 127) = 15.9. We accept anything
    // below mean + 6 sd = 223 (a false alarm has probability < 1e-6; the hashes are deterministic, so the test is
    // reproducible anyway). Every queue must also be within +-15% of the expectation (about 4.6 binomial sd).
    const deck = 128;
    const handSize = 6;
    const flows = 20000;
    const dealer = Dealer.create(deck, handSize);
    const counts = new Array<number>(deck).fill(0);
    const firstCard = new Array<number>(deck).fill(0);
    for (let i = 0; i < flows; i++) {
      const hand = dealer.dealIntoHand(hashFlowId('service-accounts', `system:serviceaccount:tenant-${i % 97}:sa-${i}`));
      firstCard[hand[0]!]!++;
      for (const c of hand) counts[c]!++;
    }
    const expected = (flows * handSize) / deck;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(127 + 6 * Math.sqrt(2 * 127));
    for (const c of counts) expect(Math.abs(c - expected) / expected).toBeLessThan(0.15);
    // the first card alone (hash mod 128) is uniform too: 156.25 expected, chi-square bound as above
    const e1 = flows / deck;
    const chi2First = firstCard.reduce((s, c) => s + (c - e1) ** 2 / e1, 0);
    expect(chi2First).toBeLessThan(127 + 6 * Math.sqrt(2 * 127));
  });
});
