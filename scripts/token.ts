/**
 * Prints a signed development token:
 *   npm run token -- --sub <uuid> --role admin --email a@b.c --given-name Ann [--family-name Lee] [--expires 12h]
 * --role may be repeated (client, advisor, admin). Uses AUTH_JWT_SECRET, like the server.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { ROLES, signToken } from '../src/auth/token';
import type { Role } from '../src/modules/user/user.entity';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      role: { type: 'string', multiple: true },
      email: { type: 'string' },
      'given-name': { type: 'string' },
      'family-name': { type: 'string' },
      expires: { type: 'string', default: '12h' },
    },
  });
  const roles = (values.role ?? ['client']) as Role[];
  const unknown = roles.filter((r) => !ROLES.includes(r));
  if (unknown.length) throw new Error(`unknown role ${unknown.join(', ')}; use ${ROLES.join(', ')}`);
  const sub = values.sub ?? randomUUID();
  const config = loadConfig();
  const token = await signToken(
    {
      sub,
      email: values.email ?? `${sub.slice(0, 8)}@example.com`,
      givenName: values['given-name'],
      familyName: values['family-name'],
      roles,
    },
    config.auth.jwtSecret,
    values.expires,
    { issuer: config.security.auth.issuer, audience: config.security.auth.audience },
  );
  process.stdout.write(`${token}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
