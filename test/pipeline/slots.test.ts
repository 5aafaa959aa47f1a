import { expect, it } from 'vitest';
import { Slots } from '../../core/pipeline/slots.js';

it('lets no more than its size work at once, whoever takes them, and a slot given back twice counts once', async () => {
  const slots = new Slots(2);
  const first = await slots.take();
  const second = await slots.take();
  expect(slots.free).toBe(false);
  let third = false;
  const waiting = slots.take().then((release) => {
    third = true;
    return release;
  });
  await new Promise((r) => setTimeout(r, 20));
  expect(third).toBe(false);
  first();
  first(); // a second give-back of the same slot must not open another
  const release = await waiting;
  expect(third).toBe(true);
  expect(slots.free).toBe(false);
  second();
  release();
  expect(slots.free).toBe(true);
});
