import { ApplyAsAdvisorDocument } from './generated/graphql';
import { startTestApp, type TestApp } from './helpers/app';
import { expectOk, waitFor } from './helpers/fixtures';
import { createLogger, withLogScope } from '../src/logging';

type Line = Record<string, unknown>;

function capture(): { lines: Line[]; stream: { write(s: string): void } } {
  const lines: Line[] = [];
  return { lines, stream: { write: (s: string) => void lines.push(JSON.parse(s)) } };
}

describe('one request id key (reqId) across Fastify, services and jobs', () => {
  it('adds the scope to every line, once, even where a logger binds reqId itself', () => {
    const { lines, stream } = capture();
    const log = createLogger('info', stream);
    withLogScope({ reqId: 'r-1' }, () => {
      log.info('from a service');
      log.child({ reqId: 'r-1' }).info('from a bound child');
    });
    log.info('outside');
    expect(lines.map((l) => [l.msg, l.reqId])).toEqual([
      ['from a service', 'r-1'],
      ['from a bound child', 'r-1'],
      ['outside', undefined],
    ]);
  });

  let t: TestApp;
  const { lines, stream } = capture();
  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'debug' }, { logStream: stream });
  });
  afterAll(() => t.close());

  it('carries the request id from the HTTP request into the job it queued', async () => {
    const admin = await t.user({ roles: ['admin'] });
    const applicant = await t.user();
    const applied = expectOk(
      await t.gql(ApplyAsAdvisorDocument, { input: { displayName: 'Lin', skills: ['go'], languages: ['en'] } }, applicant.token),
    );
    // Approving queues an email; its delivery job must log with this request's id.
    const reqId = `approve-${Date.now()}`;
    const res = await t.raw(
      { query: 'mutation($id: ID!) { approveAdvisor(id: $id) { approvalStatus } }', variables: { id: applied.applyAsAdvisor.id } },
      { authorization: `Bearer ${admin.token}`, 'x-request-id': reqId },
    );
    expect(res.json.data.approveAdvisor.approvalStatus).toBe('APPROVED');

    const jobDone = await waitFor(() => lines.find((l) => l.msg === 'job done' && l.task === 'deliver_email' && l.reqId === reqId), 15_000);
    expect(typeof jobDone.jobId).toBe('string');
    // Everything the job wrote (the email transport included) carries the job id and the request id.
    const jobLines = lines.filter((l) => l.jobId === jobDone.jobId);
    expect(jobLines.length).toBeGreaterThan(1);
    expect(jobLines.every((l) => l.reqId === reqId)).toBe(true);
    // Fastify's own request lines use the same key and value.
    expect(lines.some((l) => l.reqId === reqId && l.msg === 'incoming request')).toBe(true);
    expect(lines.some((l) => 'requestId' in l)).toBe(false);
  });
});
