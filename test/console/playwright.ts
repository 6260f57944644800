import { isDeepStrictEqual } from 'node:util';
import type { Locator } from 'playwright-core';
export { chromium } from 'playwright-core';
export type { Browser, BrowserContext, Page } from 'playwright-core';

const TIMEOUT = 15_000;

/** waits until `read()` equals `expected` (deeply); fails with the last value seen */
export async function until<T>(read: () => Promise<T>, expected: T, what = 'value'): Promise<void> {
  const deadline = Date.now() + TIMEOUT;
  let last: T | undefined;
  for (;;) {
    try {
      last = await read();
      if (isDeepStrictEqual(last, expected)) return;
    } catch {
      /* the element may not be there yet */
    }
    if (Date.now() > deadline) throw new Error(`${what}: expected ${JSON.stringify(expected)}, last saw ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const visible = (locator: Locator) => locator.first().waitFor({ state: 'visible', timeout: TIMEOUT });
export const contains = (locator: Locator, text: string) => until(async () => (await locator.innerText()).includes(text), true, `text containing "${text}" in ${locator}`);
export const lacks = (locator: Locator, text: string) => until(async () => (await locator.innerText()).includes(text), false, `no "${text}" in ${locator}`);
export const count = (locator: Locator, n: number) => until(() => locator.count(), n, `count of ${locator}`);
