/**
 * Test PaymentMethods: `pm_card_visa` and friends become fresh `pm_…` objects, each remembering
 * how its test card behaves (succeeds, declines, or is disputed).
 */
import { find, route, type Route, type SimContext, type TestCard } from './context';
import { resourceMissing } from './errors';
import type { SimPaymentMethod } from './types';
import { emptyBillingDetails, generateId, nowSeconds } from './util';

const DECLINED = (code: string, decline_code: string, message: string) => ({ code, decline_code, message });

/** Stripe's test PaymentMethods, by the name passed as `payment_method`; other `pm_card_*` act like a Visa. */
export const TEST_CARDS: Record<string, TestCard> = {
  pm_card_visa: { brand: 'visa', last4: '4242' },
  pm_card_mastercard: { brand: 'mastercard', last4: '4444' },
  pm_card_amex: { brand: 'amex', last4: '8431' },
  pm_card_chargeDeclined: {
    brand: 'visa',
    last4: '0002',
    decline: DECLINED('card_declined', 'generic_decline', 'Your card was declined.'),
  },
  pm_card_chargeDeclinedInsufficientFunds: {
    brand: 'visa',
    last4: '9995',
    decline: DECLINED('card_declined', 'insufficient_funds', 'Your card has insufficient funds.'),
  },
  pm_card_chargeDeclinedFraudulent: {
    brand: 'visa',
    last4: '0019',
    decline: DECLINED('card_declined', 'fraudulent', 'Your card was declined.'),
  },
  pm_card_chargeDeclinedLostCard: {
    brand: 'visa',
    last4: '9987',
    decline: DECLINED('card_declined', 'lost_card', 'Your card was declined.'),
  },
  pm_card_chargeDeclinedExpiredCard: {
    brand: 'visa',
    last4: '0069',
    decline: DECLINED('expired_card', 'expired_card', 'Your card has expired.'),
  },
  pm_card_chargeDeclinedIncorrectCvc: {
    brand: 'visa',
    last4: '0127',
    decline: DECLINED('incorrect_cvc', 'incorrect_cvc', "Your card's security code is incorrect."),
  },
  pm_card_chargeDeclinedProcessingError: {
    brand: 'visa',
    last4: '0119',
    decline: DECLINED('processing_error', 'processing_error', 'An error occurred while processing your card. Try again in a little bit.'),
  },
  // Test mode makes its funds available at once; the simulator keeps no balance anyway.
  pm_card_bypassPending: { brand: 'visa', last4: '0077' },
  pm_card_createDispute: { brand: 'visa', last4: '0259', dispute: true },
};

/**
 * The PaymentMethod a request names: one made earlier, or a fresh `pm_…` made from a test
 * PaymentMethod name, as test mode does (so `payment_method` never reads `pm_card_visa` back).
 */
export function resolvePaymentMethod(ctx: SimContext, name: string): SimPaymentMethod {
  const existing = ctx.store.paymentMethods.get(name);
  if (existing) return existing;
  const card = TEST_CARDS[name] ?? (name.startsWith('pm_card_') ? TEST_CARDS.pm_card_visa : undefined);
  if (!card) throw resourceMissing('PaymentMethod', name, 'payment_method');
  const pm: SimPaymentMethod = {
    id: generateId('pm'),
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: emptyBillingDetails(),
    card: {
      brand: card.brand,
      country: 'US',
      exp_month: 12,
      exp_year: new Date().getUTCFullYear() + 3,
      funding: 'credit',
      last4: card.last4,
    },
    created: nowSeconds(),
    customer: null,
    livemode: false,
    metadata: {},
    type: 'card',
  };
  ctx.store.paymentMethods.set(pm.id, pm);
  ctx.store.testCards.set(pm.id, card);
  return pm;
}

export function paymentMethodRoutes(ctx: SimContext): Route[] {
  return [route('GET', '/v1/payment_methods/:id', [], (_p, id) => find(ctx.store.paymentMethods, 'payment_method', id))];
}
