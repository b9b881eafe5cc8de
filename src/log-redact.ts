import pino, { type LoggerOptions } from 'pino';

/** Anything shaped like an email address. */
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

/** `ada.lovelace@example.com` -> `a***@example.com`: enough to tell two addresses apart in a log, not to write to one. */
export function maskEmails(text: string): string {
  return text.includes('@') ? text.replace(EMAIL, (m) => `${m[0]}***${m.slice(m.indexOf('@'))}`) : text;
}

const SECRET_KEYS = /(authorization|cookie|token|password|secret)$/i;

/** Strings of one object, and of the objects directly in it (a request's url, an error's detail), masked. */
function maskShallow(obj: Record<string, unknown>, depth = 0): Record<string, unknown> {
  let out: Record<string, unknown> | null = null;
  for (const [key, value] of Object.entries(obj)) {
    let next = value;
    if (typeof value === 'string') next = maskEmails(value);
    else if (depth === 0 && value && typeof value === 'object' && !Array.isArray(value))
      next = maskShallow(value as Record<string, unknown>, 1);
    if (next !== value) (out ??= { ...obj })[key] = next;
  }
  return out ?? obj;
}

/**
 * Pino options that keep email addresses and credentials out of the logs: bearer tokens,
 * cookies and secrets at the usual paths are replaced, email fields and recipients masked, and
 * any email address in a message, an error (a unique violation's detail names the address) or a
 * field near the top of a log object is masked too. Spread into every `pino({...})` the server makes.
 */
export const logRedaction: Pick<LoggerOptions, 'redact' | 'hooks' | 'serializers' | 'formatters'> = {
  redact: {
    paths: [
      'authorization',
      '*.authorization',
      'req.headers.authorization',
      'req.headers.cookie',
      'headers.authorization',
      'headers.cookie',
      'connectionParams.authorization',
      'token',
      '*.token',
      'email',
      '*.email',
      '*.*.email',
      'to',
      '*.to',
      'from',
      '*.from',
    ],
    censor: (value, path) => {
      if (SECRET_KEYS.test(path[path.length - 1] ?? '')) return '[redacted]';
      return typeof value === 'string' ? maskEmails(value) : value;
    },
  },
  hooks: {
    logMethod(args, method) {
      for (let i = 0; i < args.length; i++) if (typeof args[i] === 'string') args[i] = maskEmails(args[i] as string);
      method.apply(this, args as Parameters<typeof method>);
    },
  },
  serializers: {
    err: (err: Error) => maskShallow(pino.stdSerializers.err(err) as unknown as Record<string, unknown>),
  },
  formatters: {
    log: (obj) => maskShallow(obj),
  },
};
