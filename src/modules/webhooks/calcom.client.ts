import { PermanentError } from '../../common/errors';

/** The one call we make to Cal.com's API: cancel a booking that was cancelled through our API. */
export class CalcomClient {
  constructor(
    private readonly apiBase: string,
    private readonly apiKey: string | undefined,
  ) {}

  get enabled(): boolean {
    return !!this.apiKey;
  }

  async cancelBooking(uid: string, reason: string): Promise<void> {
    if (!this.apiKey) return;
    const res = await fetch(`${this.apiBase.replace(/\/$/, '')}/v2/bookings/${encodeURIComponent(uid)}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.apiKey}`, 'cal-api-version': '2024-08-13', 'content-type': 'application/json' },
      body: JSON.stringify({ cancellationReason: reason }),
      signal: AbortSignal.timeout(15_000),
    });
    // Already cancelled or gone in Cal.com is the state we want.
    if (res.ok || res.status === 404 || res.status === 410) return;
    const message = `Cal.com answered ${res.status} to cancelling booking ${uid}`;
    // Any other 4xx (a bad key, a refused request) will be answered the same way tomorrow.
    if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) throw new PermanentError(message);
    throw new Error(message);
  }
}
