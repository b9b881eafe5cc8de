/**
 * The account's events: `GET /v1/events` (by type, `charge.*` included) and `/v1/events/:id`.
 */
import { route, type Route, type SimContext } from './context';
import { resourceMissing } from './errors';
import { createdFilter, paginate } from './lists';

export function eventRoutes(ctx: SimContext): Route[] {
  return [
    route('GET', '/v1/events', 'list', (p) =>
      paginate(ctx.store.events, p, {
        url: '/v1/events',
        label: 'event',
        filters: {
          created: createdFilter,
          type: (event, value) => typeof value === 'string' && typeMatches(event.type, value),
          types: (event, value) =>
            (Array.isArray(value) ? value : [value]).some((v) => typeof v === 'string' && typeMatches(event.type, v)),
        },
      }),
    ),
    route('GET', '/v1/events/:id', [], (_p, id) => {
      const event = ctx.store.events.find((e) => e.id === id);
      if (!event) throw resourceMissing('event', id, 'id', 404);
      return event;
    }),
  ];
}

/** `charge.*` matches every charge event, as Stripe's `type` filter does. */
const typeMatches = (type: string, pattern: string) => (pattern.endsWith('.*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern);
