import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { signToken } from '../src/auth/token';
import { MyAdvisorProfileDocument, PricingDocument } from './generated/graphql';
import { codeOf, startTestApp, type TestApp } from './helpers/app';
import { wsConnect } from './helpers/ws-run';

/** A tiny identity provider: its JWKS over HTTP on 127.0.0.1, and tokens signed with its keys. */
interface Provider {
  url: string;
  fetches: number;
  sign(alg: 'RS256' | 'ES256', claims?: Record<string, unknown>, opts?: { kid?: string; key?: KeyLike }): Promise<string>;
  close(): Promise<void>;
}

async function startProvider(): Promise<Provider> {
  const rs = await generateKeyPair('RS256');
  const es = await generateKeyPair('ES256');
  const jwks = {
    keys: [
      { ...(await exportJWK(rs.publicKey)), kid: 'rs-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(es.publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' },
    ],
  };
  const provider = { fetches: 0 } as Provider;
  const server = http.createServer((_req, res) => {
    provider.fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  provider.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  provider.sign = (alg, claims = {}, opts = {}) =>
    new SignJWT({ email: 'idp.user@example.com', roles: ['client'], ...claims })
      .setProtectedHeader({ alg, kid: opts.kid ?? (alg === 'RS256' ? 'rs-1' : 'es-1') })
      .setSubject((claims.sub as string) ?? randomUUID())
      .setIssuer('https://id.example.com/')
      .setAudience('advisor-api')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(opts.key ?? (alg === 'RS256' ? rs.privateKey : es.privateKey));
  provider.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return provider;
}

let t: TestApp;
let idp: Provider;
const issuer = 'https://id.example.com/';
const audience = 'advisor-api';

beforeAll(async () => {
  idp = await startProvider();
  t = await startTestApp({ AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience, AUTH_MAX_TOKEN_AGE: '3600', AUTH_JWKS_URL: idp.url });
});
afterAll(async () => {
  await t.close();
  await idp.close();
});

const me = async (token: string) => t.gql(MyAdvisorProfileDocument, undefined, token);
const hs = (opts: { issuer?: string; audience?: string; issuedAt?: number }, expiresIn: string | number = '30m') =>
  signToken({ sub: randomUUID(), email: 'hs.user@example.com', roles: ['client'] }, t.config.auth.jwtSecret, expiresIn, opts);

describe('tokens (issue 11, finding 6)', () => {
  it('accepts an HS256 token with the configured issuer and audience', async () => {
    const r = await me(await hs({ issuer, audience }));
    expect(r.errors).toBeUndefined();
  });

  it('refuses a token from another issuer or for another audience, or with neither', async () => {
    for (const token of [
      await hs({ issuer: 'https://evil.example.com/', audience }),
      await hs({ issuer, audience: 'other-api' }),
      await hs({}),
    ]) {
      const r = await me(token);
      expect(codeOf(r)).toBe('UNAUTHENTICATED');
    }
    expect(codeOf(await me(await hs({ issuer: 'https://evil.example.com/', audience })))).toBe('UNAUTHENTICATED');
    expect((await me(await hs({ issuer, audience: 'other-api' }))).errors?.[0]?.message).toBe('The token is not for this service (aud)');
  });

  it('refuses a 100-year token, one issued longer ago than AUTH_MAX_TOKEN_AGE, and one issued in the future', async () => {
    const now = Math.floor(Date.now() / 1000);
    const century = await hs({ issuer, audience }, '100y');
    expect((await me(century)).errors?.[0]?.message).toBe('The token lives longer than this service allows');
    const old = await hs({ issuer, audience, issuedAt: now - 3700 }, now + 600);
    expect((await me(old)).errors?.[0]?.message).toBe('The token is too old; sign in again');
    const future = await hs({ issuer, audience, issuedAt: now + 120 }, now + 1200);
    expect((await me(future)).errors?.[0]?.message).toBe('The token is issued in the future');
    // Within the 60 s of clock skew we allow, a token from a clock slightly ahead is fine.
    const skewed = await hs({ issuer, audience, issuedAt: now + 30 }, now + 1200);
    expect((await me(skewed)).errors).toBeUndefined();
    // A public query still answers for a refused token.
    expect((await t.gql(PricingDocument, undefined, century)).data?.pricing).toHaveLength(3);
  });

  it('accepts RS256 and ES256 tokens signed with the identity provider keys (JWKS), over HTTP and WebSocket', async () => {
    for (const alg of ['RS256', 'ES256'] as const) {
      const sub = randomUUID();
      const r = await me(await idp.sign(alg, { sub }));
      expect(r.errors).toBeUndefined();
      const rows = await t.app.services.orm.em.fork().execute('select email from users where id = ?', [sub]);
      expect(rows).toEqual([{ email: 'idp.user@example.com' }]);
    }
    const c = wsConnect(t.url, await idp.sign('ES256'));
    try {
      expect((await c.run('{ pricing { sku } }')).result?.data).toBeTruthy();
    } finally {
      await c.dispose();
    }
    expect(idp.fetches).toBe(1);
  });

  it('refuses asymmetric tokens signed with another key, with an unknown key id, or with alg none', async () => {
    const other = await generateKeyPair('RS256');
    const forged = await idp.sign('RS256', {}, { key: other.privateKey });
    const unknownKid = await idp.sign('ES256', {}, { kid: 'nope' });
    const [head, body] = (await idp.sign('RS256')).split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${body}.`;
    const hsWithRsHeader = `${Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'rs-1' })).toString('base64url')}.${body}.${head}`;
    for (const token of [forged, unknownKid, none, hsWithRsHeader]) {
      expect(codeOf(await me(token))).toBe('UNAUTHENTICATED');
    }
  });

  it('refuses asymmetric tokens when no JWKS is configured, and 100-year tokens by default', async () => {
    const plain = await startTestApp({}, { databaseUrl: t.databaseUrl });
    try {
      expect(codeOf(await plain.gql(MyAdvisorProfileDocument, undefined, await idp.sign('RS256')))).toBe('UNAUTHENTICATED');
      // The default AUTH_MAX_TOKEN_AGE (a day) refuses a 100-year token as well.
      const century = await signToken({ sub: randomUUID(), email: 'a@b.c', roles: ['client'] }, plain.config.auth.jwtSecret, '100y');
      expect((await plain.gql(MyAdvisorProfileDocument, undefined, century)).errors?.[0]?.message).toBe(
        'The token lives longer than this service allows',
      );
    } finally {
      await plain.close();
    }
  });
});
