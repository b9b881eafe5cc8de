/**
 * Connect: Express accounts, onboarding links, and onboarding progress on the account's side.
 */
import { find, findParam, route, type Route, type SimContext } from './context';
import { metadataParam, optionalEnum, optionalObject, optionalString, requiredEnum, requiredString } from './params';
import type { AccountChanges, FormObject, SimAccount } from './types';
import { generateId, isRecord, nowSeconds, snapshot } from './util';

const ONBOARDING_REQUIREMENTS = [
  'business_profile.url',
  'external_account',
  'individual.first_name',
  'tos_acceptance.date',
  'tos_acceptance.ip',
];

export function accountRoutes(ctx: SimContext): Route[] {
  return [
    route(
      'POST',
      '/v1/accounts',
      [
        'business_profile',
        'business_type',
        'capabilities',
        'company',
        'controller',
        'country',
        'default_currency',
        'email',
        'individual',
        'metadata',
        'settings',
        'tos_acceptance',
        'type',
      ],
      (p) => createAccount(ctx, p),
    ),
    route('GET', '/v1/accounts/:id', [], (_p, id) => find(ctx.store.accounts, 'account', id)),
    route('POST', '/v1/account_links', ['account', 'collect', 'collection_options', 'refresh_url', 'return_url', 'type'], (p) =>
      createAccountLink(ctx, p),
    ),
  ];
}

function createAccount(ctx: SimContext, params: FormObject): SimAccount {
  const type = optionalEnum(params, 'type', ['express', 'standard', 'custom'] as const) ?? 'standard';
  const requested = optionalObject(params, 'capabilities');
  const account: SimAccount = {
    id: generateId('acct'),
    object: 'account',
    business_profile: { mcc: null, name: null, product_description: null, support_email: null, support_url: null, url: null },
    business_type: optionalString(params, 'business_type') ?? null,
    capabilities: {},
    charges_enabled: false,
    controller:
      type === 'express'
        ? {
            fees: { payer: 'application_express' },
            is_controller: true,
            losses: { payments: 'application' },
            requirement_collection: 'stripe',
            stripe_dashboard: { type: 'express' },
            type: 'application',
          }
        : { type: 'account' },
    country: (optionalString(params, 'country') ?? 'US').toUpperCase(),
    created: nowSeconds(),
    default_currency: 'usd',
    details_submitted: false,
    email: optionalString(params, 'email') ?? null,
    metadata: metadataParam(params),
    payouts_enabled: false,
    requirements: {
      currently_due: [...ONBOARDING_REQUIREMENTS],
      disabled_reason: 'requirements.past_due',
      eventually_due: [...ONBOARDING_REQUIREMENTS],
      past_due: [...ONBOARDING_REQUIREMENTS],
    },
    type,
  };
  for (const [name, settings] of Object.entries(requested ?? {})) {
    if (isRecord(settings) && settings.requested === 'true') account.capabilities[name] = 'inactive';
  }
  ctx.store.accounts.set(account.id, account);
  return account;
}

function createAccountLink(ctx: SimContext, params: FormObject): object {
  const accountId = requiredString(params, 'account');
  requiredEnum(params, 'type', ['account_onboarding', 'account_update'] as const);
  findParam(ctx.store.accounts, 'account', accountId, 'account');
  const created = nowSeconds();
  return {
    object: 'account_link',
    created,
    // Stripe's onboarding links are single-use and short-lived.
    expires_at: created + 300,
    url: `${ctx.url}/connect/onboarding/${accountId}`,
  };
}

/** Onboarding progress on the connected account's side; capabilities follow, as Stripe activates them. */
export function updateAccount(ctx: SimContext, accountId: string, changes: AccountChanges): SimAccount {
  const account = ctx.store.accounts.get(accountId);
  if (!account) throw new Error(`Unknown account ${accountId}`);
  const previous: Record<string, unknown> = {};
  for (const key of ['details_submitted', 'payouts_enabled', 'charges_enabled'] as const) {
    const value = changes[key];
    if (value !== undefined && value !== account[key]) {
      previous[key] = account[key];
      account[key] = value;
    }
  }
  const before = snapshot({ capabilities: account.capabilities, requirements: account.requirements });
  const enabledBy: Record<string, boolean> = { transfers: account.payouts_enabled, card_payments: account.charges_enabled };
  for (const name of Object.keys(account.capabilities)) {
    if (name in enabledBy) account.capabilities[name] = enabledBy[name] ? 'active' : 'inactive';
  }
  if (account.details_submitted) account.requirements = { currently_due: [], disabled_reason: null, eventually_due: [], past_due: [] };
  for (const key of ['capabilities', 'requirements'] as const) {
    if (JSON.stringify(before[key]) !== JSON.stringify(account[key])) previous[key] = before[key];
  }
  ctx.emit('account.updated', account, previous, { account: account.id });
  return account;
}
