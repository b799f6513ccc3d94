// The transport contract against REAL E2B. It runs only when E2B_API_KEY is set (describe.runIf below),
// so CI and offline runs skip it; see docs/remote-transports.md ("Live test").
//   E2B_API_KEY=e2b_... [E2B_TEMPLATE=<template with node>] [E2B_DOMAIN=...] npx vitest run test/remote/e2b-live.test.ts
import { describe } from 'vitest';
import { createE2bTransport } from '../../src/remote/transports/e2b-transport.js';
import { describeTransportContract } from './transport-contract-suite.js';

const apiKey = process.env.E2B_API_KEY;
const apiUrl = process.env.E2B_API_URL ?? `https://api.${process.env.E2B_DOMAIN ?? 'e2b.app'}`;

describe.runIf(apiKey)('e2b live (E2B_API_KEY set)', () => {
  describeTransportContract('e2b live', async () => ({
    // No apiUrl/sandboxUrl: the SDK's own defaults, exactly as a user's run.
    transport: createE2bTransport({ apiKey }),
    template: process.env.E2B_TEMPLATE,
    // Asked of the control plane directly (plain REST), so the check does not trust the transport.
    async isGone(sandbox) {
      const res = await fetch(`${apiUrl}/sandboxes/${encodeURIComponent(sandbox.id)}`, {
        headers: { 'X-API-KEY': apiKey as string },
      });
      await res.body?.cancel();
      return res.status === 404;
    },
  }));
});
