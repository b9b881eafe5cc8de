/**
 * The README's example operations, run as written: every ```graphql block of README.md, in order,
 * with the token its `# as:` line names and the variables of its `# variables:` line (placeholders
 * such as "<advisor id>" are filled from earlier answers). Each must answer data and no errors.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startTestApp, type TestApp, type TestUser } from './helpers/app';
import { inFuture, HOUR } from './helpers/fixtures';

const readme = fs.readFileSync(path.resolve(__dirname, '..', 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/^```graphql\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);

interface Example {
  as: string;
  variables: string | undefined;
  query: string;
}

function parseBlock(block: string): Example {
  const as = /^# as: (\w+)/m.exec(block)?.[1];
  if (!as) throw new Error(`a README graphql block without "# as: <who>":\n${block}`);
  return { as, variables: /^# variables: (.+)$/m.exec(block)?.[1], query: block };
}

describe("the README's example operations", () => {
  let t: TestApp;
  let people: Record<string, TestUser | undefined>;
  beforeAll(async () => {
    t = await startTestApp();
    people = {
      ADMIN: await t.user({ roles: ['admin'], givenName: 'Ann' }),
      ME: await t.user({ givenName: 'Grace' }),
      YOU: await t.user({ givenName: 'Cleo' }),
      nobody: undefined,
    };
  });
  afterAll(() => t.close());

  it('has examples, each saying whose token it needs', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    for (const b of blocks) expect(Object.keys({ ADMIN: 1, ME: 1, YOU: 1, nobody: 1 })).toContain(parseBlock(b).as);
  });

  it('answer as the README says, in order', async () => {
    const known: Record<string, string> = { '<a start time 2 days ahead>': inFuture(48 * HOUR).toISOString() };
    for (const block of blocks) {
      const ex = parseBlock(block);
      let variables: Record<string, unknown> | undefined;
      if (ex.variables) {
        const filled = ex.variables.replace(/<[^>]+>/g, (p) => {
          if (!known[p]) throw new Error(`no value for ${p} yet, in:\n${block}`);
          return known[p]!;
        });
        variables = JSON.parse(filled);
      }
      const token = people[ex.as]?.token;
      const r = await t.raw({ query: ex.query, variables }, token ? { authorization: `Bearer ${token}` } : {});
      expect({ block, errors: r.json?.errors }).toEqual({ block, errors: undefined });
      expect(r.json.data).toBeTruthy();
      // What later examples refer to.
      const applied = r.json.data.applyAsAdvisor?.id;
      if (applied) known['<advisor id>'] = applied;
    }
    // The story the examples tell came true.
    const search = await t.raw({ query: '{ advisors(first: 5) { edges { node { displayName } } } }' });
    expect(search.json.data.advisors.edges).toEqual([{ node: { displayName: 'Grace' } }]);
  });
});
