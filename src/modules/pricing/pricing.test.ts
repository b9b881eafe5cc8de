import { loadConfig } from '../../config';
import { PriceList, splitPrice } from './pricing';

describe('splitPrice', () => {
  it('splits the platform SKUs 70/30 exactly', () => {
    expect(splitPrice(900, 7000)).toEqual({ advisorEarningsCents: 630, platformFeeCents: 270 });
    expect(splitPrice(1900, 7000)).toEqual({ advisorEarningsCents: 1330, platformFeeCents: 570 });
    expect(splitPrice(3500, 7000)).toEqual({ advisorEarningsCents: 2450, platformFeeCents: 1050 });
  });

  it('never loses or invents a cent for any price and share', () => {
    for (let price = 0; price <= 5000; price += 7) {
      for (const bps of [0, 1, 3333, 6667, 7000, 7250, 9999, 10000]) {
        const { advisorEarningsCents, platformFeeCents } = splitPrice(price, bps);
        expect(advisorEarningsCents + platformFeeCents).toBe(price);
        expect(Number.isInteger(advisorEarningsCents)).toBe(true);
        expect(advisorEarningsCents).toBeGreaterThanOrEqual(0);
        expect(platformFeeCents).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('rejects fractional cents', () => {
    expect(() => splitPrice(10.5, 7000)).toThrow(RangeError);
  });
});

describe('PriceList from config', () => {
  it('uses the defaults $9 / $19 / $35', () => {
    const list = new PriceList(loadConfig({}).pricing);
    expect(list.skus.map((s) => [s.sku, s.priceCents, s.advisorEarningsCents, s.platformFeeCents])).toEqual([
      ['15min', 900, 630, 270],
      ['30min', 1900, 1330, 570],
      ['60min', 3500, 2450, 1050],
    ]);
  });

  it('follows configured prices and share, still exact', () => {
    const list = new PriceList(loadConfig({ CONSULTATION_30MIN_PRICE_CENTS: '1999', ADVISOR_REVENUE_SHARE: '0.725' }).pricing);
    const s = list.forDuration(30);
    expect(s).toMatchObject({ priceCents: 1999, advisorEarningsCents: 1449, platformFeeCents: 550 });
  });

  it('refuses bad configuration at start-up', () => {
    expect(() => loadConfig({ ADVISOR_REVENUE_SHARE: '1.5' })).toThrow(/ADVISOR_REVENUE_SHARE/);
    expect(() => loadConfig({ ADVISOR_REVENUE_SHARE: 'abc' })).toThrow(/ADVISOR_REVENUE_SHARE/);
    expect(() => loadConfig({ CONSULTATION_15MIN_PRICE_CENTS: '9.5' })).toThrow(/CONSULTATION_15MIN_PRICE_CENTS/);
    expect(() => loadConfig({ CONSULTATION_60MIN_PRICE_CENTS: '-1' })).toThrow(/CONSULTATION_60MIN_PRICE_CENTS/);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/AUTH_JWT_SECRET/);
  });
});
