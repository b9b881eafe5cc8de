/**
 * The typed client for frontends (client/): its operations must be valid against the committed
 * schema.graphql, its generated code current (npm run client:build), the package must compile with
 * its own strict settings, and its requests must work against a running server.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildSchema, parse, validate, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import {
  AdvisorProfileDocument,
  ApiRequestError,
  ApproveAdvisorDocument,
  BookConsultationDocument,
  createClient,
  MyConsultationsDocument,
  PricingDocument,
  SearchAdvisorsDocument,
} from '../client/src';
import { startTestApp, type TestApp } from './helpers/app';
import { inFuture, HOUR, makeAdvisor } from './helpers/fixtures';

const root = path.resolve(__dirname, '..');
const operationsDir = path.join(root, 'client', 'operations');

function clientDocument(): DocumentNode {
  const files = fs.readdirSync(operationsDir).filter((f) => f.endsWith('.graphql'));
  return parse(files.map((f) => fs.readFileSync(path.join(operationsDir, f), 'utf8')).join('\n'));
}
const schema = () => buildSchema(fs.readFileSync(path.join(root, 'schema.graphql'), 'utf8'));

describe('the client package', () => {
  it('has the operations a frontend needs, all valid against schema.graphql', () => {
    const doc = clientDocument();
    expect(validate(schema(), doc).map((e) => e.message)).toEqual([]);
    const names = doc.definitions
      .filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')
      .map((d) => `${d.operation} ${d.name?.value}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'query SearchAdvisors',
        'query AdvisorProfile',
        'query AdvisorReviews',
        'query Pricing',
        'mutation BookConsultation',
        'query ConsultationStatus',
        'query MyConsultations',
        'mutation CancelConsultation',
        'subscription ConsultationStatusChanged',
        'mutation ReviewConsultation',
        'query AdvisorEarnings',
        'query AdvisorEarningsHistory',
        'query AdvisorApplications',
        'mutation ApproveAdvisor',
        'mutation RejectAdvisor',
        'query AdminPayouts',
        'mutation GeneratePayouts',
        'mutation ProcessPayouts',
      ]),
    );
  });

  it('notices an operation that no longer matches the schema', () => {
    // What this suite checks above, shown to fail: a field the schema does not have.
    const stale = parse(fs.readFileSync(path.join(operationsDir, 'advisors.graphql'), 'utf8').replace('reviewCount', 'reviewTotal'));
    expect(validate(schema(), stale).map((e) => e.message)).toEqual([
      expect.stringMatching(/^Cannot query field "reviewTotal" on type "Advisor"/),
    ]);
  });

  it('is generated from the current schema and operations (run npm run client:build when this fails)', async () => {
    // graphql-codegen in a child process (its CLI loads ESM that jest cannot), writing nothing.
    const script = `require('@graphql-codegen/cli').generate({ ...require('./client/codegen').default, silent: true }, false)
      .then((outs) => process.stdout.write(JSON.stringify(outs)), (err) => { console.error(err.message); process.exit(1); })`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: root,
      maxBuffer: 20 * 1024 * 1024,
    });
    const outputs = JSON.parse(stdout) as { filename: string; content: string }[];
    expect(outputs.length).toBeGreaterThan(0);
    for (const out of outputs) {
      const onDisk = fs.readFileSync(path.resolve(root, out.filename), 'utf8');
      expect({ file: out.filename, current: onDisk === out.content }).toEqual({ file: out.filename, current: true });
    }
  }, 120_000);

  it('compiles under its own strict tsconfig (DOM, no Node types)', async () => {
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await promisify(execFile)(process.execPath, [tsc, '--noEmit', '-p', 'client/tsconfig.json'], { cwd: root }).then(
      () => '',
      (err: { stdout: string }) => err.stdout,
    );
    expect(result).toBe('');
  }, 120_000);

  describe('against the server', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(() => t.close());

    it('searches, reads a profile, books and lists consultations with typed results', async () => {
      const admin = await t.user({ roles: ['admin'] });
      const advisor = await makeAdvisor(t, admin, { givenName: 'Noor', status: 'pending', input: { skills: ['typescript'] } });
      const clientUser = await t.user({ givenName: 'Cleo' });
      let token: string | null = admin.token;
      const api = createClient({ url: `${t.url}/graphql`, token: () => token });

      const approved = await api.request(ApproveAdvisorDocument, { id: advisor.advisorId, note: 'Welcome' });
      expect(approved.approveAdvisor.approvalStatus).toBe('APPROVED');

      token = null;
      const { pricing } = await api.request(PricingDocument);
      expect(pricing.map((p) => p.priceCents)).toEqual([900, 1900, 3500]);
      const found = await api.request(SearchAdvisorsDocument, { filter: { skills: ['typescript'] }, first: 5 });
      expect(found.advisors.edges.map((e) => e.node.displayName)).toEqual(['Noor Advisor']);
      const profile = await api.request(AdvisorProfileDocument, { id: advisor.advisorId });
      expect(profile.advisor).toMatchObject({ id: advisor.advisorId, reviewCount: 0, reviews: { edges: [] } });

      token = clientUser.token;
      const booked = await api.request(BookConsultationDocument, {
        input: { advisorId: advisor.advisorId, durationMinutes: 30, startTime: inFuture(48 * HOUR).toISOString() },
      });
      expect(booked.bookConsultation.clientSecret).toMatch(/^pi_/);
      const mine = await api.request(MyConsultationsDocument, { first: 10 });
      const node = mine.myConsultations.edges[0]!.node;
      expect(node.__typename === 'ClientConsultation' && node.priceCents).toBe(1900);
      expect(node.status).toBe('PENDING_PAYMENT');

      const refused = await api.request(ApproveAdvisorDocument, { id: advisor.advisorId }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ApiRequestError);
      expect((refused as ApiRequestError).code).toBe('FORBIDDEN');
    });
  });
});
