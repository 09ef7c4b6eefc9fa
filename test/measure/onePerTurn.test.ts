// Parsing many replicas' /metrics one per event-loop turn (scripts/measure/scrape.ts onePerTurn): the results in order,
// and other work (a timer, a probe's answer) runs between two parses instead of waiting for all of them.
import { describe, expect, it } from 'vitest';
import { onePerTurn } from '../../scripts/measure/scrape.ts';

describe('onePerTurn', () => {
  it('keeps the order and lets the event loop run between items', async () => {
    const events: string[] = [];
    const parsing = onePerTurn(['a', 'b', 'c'], (item, index) => {
      events.push(`parse ${item}`);
      // Something the event loop has waiting: it must get its turn before the next parse.
      setImmediate(() => events.push(`between ${index}`));
      return `${item}${index}`;
    });
    expect(await parsing).toEqual(['a0', 'b1', 'c2']);
    expect(events.slice(0, 5)).toEqual(['parse a', 'between 0', 'parse b', 'between 1', 'parse c']);
  });

  it('a single item is parsed on the spot', async () => {
    let parsed = false;
    const parsing = onePerTurn([1], () => (parsed = true));
    expect(parsed).toBe(true);
    await parsing;
  });
});
