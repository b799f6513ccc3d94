// The create pacing of the E2B transport, apart from it because it needs nothing of the SDK.

/**
 * Spaces calls `1 / perSecond` s apart (the first at once), plus 5 % so that network jitter cannot land
 * two of them inside the provider's window: the creates of a batch of pipelines that share this transport
 * stay within the provider's create rate instead of collecting 429s.
 */
export function createRateGate(perSecond: number): () => Promise<void> {
  const gapMs = (1000 / Math.max(perSecond, 0.001)) * 1.05;
  let nextSlot = 0;
  return async () => {
    const now = Date.now();
    const slot = Math.max(now, nextSlot);
    nextSlot = slot + gapMs;
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
  };
}
