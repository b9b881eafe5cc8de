import type { Config } from '../../config';
import type { PricingSnapshot } from '../consultation/consultation.entity';

export const DURATIONS = [15, 30, 60] as const;
export type Duration = (typeof DURATIONS)[number];

export interface Sku {
  sku: string;
  durationMinutes: Duration;
  priceCents: number;
  platformFeeCents: number;
  advisorEarningsCents: number;
  currency: string;
}

export function isDuration(n: number): n is Duration {
  return (DURATIONS as readonly number[]).includes(n);
}

/**
 * The advisor's share is rounded down to the cent and the platform keeps the rest, so the two
 * parts always add up to the price exactly.
 */
export function splitPrice(priceCents: number, advisorShareBps: number): { platformFeeCents: number; advisorEarningsCents: number } {
  if (!Number.isSafeInteger(priceCents) || priceCents < 0) throw new RangeError(`price must be whole cents, got ${priceCents}`);
  if (!Number.isInteger(advisorShareBps) || advisorShareBps < 0 || advisorShareBps > 10_000) {
    throw new RangeError(`advisor share must be 0..10000 basis points, got ${advisorShareBps}`);
  }
  const advisorEarningsCents = Math.floor((priceCents * advisorShareBps) / 10_000);
  return { advisorEarningsCents, platformFeeCents: priceCents - advisorEarningsCents };
}

/** The platform's price list, computed once from configuration. */
export class PriceList {
  readonly skus: readonly Sku[];

  constructor(private readonly pricing: Config['pricing']) {
    this.skus = DURATIONS.map((d) => ({
      sku: `${d}min`,
      durationMinutes: d,
      priceCents: pricing.priceCents[d],
      ...splitPrice(pricing.priceCents[d], pricing.advisorShareBps),
      currency: pricing.currency,
    }));
  }

  forDuration(durationMinutes: Duration): Sku {
    return this.skus.find((s) => s.durationMinutes === durationMinutes)!;
  }

  snapshot(durationMinutes: Duration): PricingSnapshot {
    const s = this.forDuration(durationMinutes);
    return {
      sku: s.sku,
      currency: s.currency,
      rateCents: s.priceCents,
      platformFeeCents: s.platformFeeCents,
      advisorEarningsCents: s.advisorEarningsCents,
      advisorShareBps: this.pricing.advisorShareBps,
    };
  }
}
