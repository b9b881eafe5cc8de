import {
  ApproveAdvisorProfileChangeDocument,
  EditAdvisorProfileDocument,
  MyProfileReviewDocument,
  PendingAdvisorProfileChangesDocument,
  PublicAdvisorDocument,
  RejectAdvisorProfileChangeDocument,
} from './generated/graphql';
import { codeOf, startTestApp, type TestApp, type TestUser } from './helpers/app';
import { expectOk, makeAdvisor, sql } from './helpers/fixtures';

// Issue 11, finding 11: an approved advisor's new name and Cal.com booking link were live at once, unreviewed.
let t: TestApp;
let admin: TestUser;

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.user({ roles: ['admin'], givenName: 'Root' });
});
afterAll(() => t.close());

const OLD_URL = 'https://cal.com/ada/30min';
const NEW_URL = 'https://evil.example/phish';

const approved = () => makeAdvisor(t, admin, { input: { calComEventTypeUrl: OLD_URL } });

const publicProfile = async (id: string) => expectOk(await t.gql(PublicAdvisorDocument, { id })).advisor!;

/** The profile entries about an advisor (approval decisions are audited too, under advisor.*). */
const audit = (advisorId: string) =>
  sql<{ actor_id: string; action: string; reason: string | null; before: unknown; after: unknown }>(
    t,
    `select actor_id, action, reason, before, after from audit_log where subject_type = 'advisor' and subject_id = ? and action like 'advisor_profile.%'
     order by created_at, action`,
    [advisorId],
  );

describe("an approved advisor's public profile changes", () => {
  it('name and booking link wait for an admin while the live profile keeps the old ones; other edits apply at once', async () => {
    const { user, advisorId } = await approved();
    const edited = expectOk(
      await t.gql(
        EditAdvisorProfileDocument,
        { input: { displayName: 'Totally Legit', calComEventTypeUrl: NEW_URL, bio: 'New bio' } },
        user.token,
      ),
    ).updateAdvisorProfile;
    expect(edited).toMatchObject({ displayName: 'Ada Advisor', calComEventTypeUrl: OLD_URL, bio: 'New bio' });
    expect(edited.pendingProfileChange).toMatchObject({
      status: 'PENDING',
      changesDisplayName: true,
      displayName: 'Totally Legit',
      changesCalComEventTypeUrl: true,
      calComEventTypeUrl: NEW_URL,
    });
    expect(await publicProfile(advisorId)).toMatchObject({ displayName: 'Ada Advisor', calComEventTypeUrl: OLD_URL, bio: 'New bio' });

    // The admins' queue.
    const queue = expectOk(await t.gql(PendingAdvisorProfileChangesDocument, { first: 50 }, admin.token)).pendingAdvisorProfileChanges;
    const request = queue.edges.map((e) => e.node).find((n) => n.advisorId === advisorId)!;
    expect(request).toMatchObject({ liveDisplayName: 'Ada Advisor', liveCalComEventTypeUrl: OLD_URL, displayName: 'Totally Legit' });
    expect(codeOf(await t.gql(PendingAdvisorProfileChangesDocument, {}, user.token))).toBe('FORBIDDEN');
    expect(codeOf(await t.gql(ApproveAdvisorProfileChangeDocument, { id: request.id }, user.token))).toBe('FORBIDDEN');

    const decided = expectOk(await t.gql(ApproveAdvisorProfileChangeDocument, { id: request.id, note: 'checked' }, admin.token));
    expect(decided.approveAdvisorProfileChange).toMatchObject({ status: 'APPROVED', decidedById: admin.id, note: 'checked' });
    expect(await publicProfile(advisorId)).toMatchObject({ displayName: 'Totally Legit', calComEventTypeUrl: NEW_URL });
    expect(expectOk(await t.gql(MyProfileReviewDocument, {}, user.token)).myAdvisorProfile!.pendingProfileChange).toBeNull();
    expect(codeOf(await t.gql(ApproveAdvisorProfileChangeDocument, { id: request.id }, admin.token))).toBe('CONFLICT');

    expect(await audit(advisorId)).toEqual([
      {
        actor_id: user.id,
        action: 'advisor_profile.change_requested',
        reason: null,
        before: { displayName: 'Ada Advisor', calComEventTypeUrl: OLD_URL },
        after: { requested: { displayName: 'Totally Legit', calComEventTypeUrl: NEW_URL } },
      },
      { actor_id: user.id, action: 'advisor_profile.update', reason: null, before: { bio: null }, after: { bio: 'New bio' } },
      {
        actor_id: admin.id,
        action: 'advisor_profile.change_approved',
        reason: 'checked',
        before: { displayName: 'Ada Advisor', calComEventTypeUrl: OLD_URL },
        after: { displayName: 'Totally Legit', calComEventTypeUrl: NEW_URL },
      },
    ]);
  });

  it('a rejected change never goes live; a later request replaces the pending one, asking for the live value takes it back', async () => {
    const { user, advisorId } = await approved();
    expectOk(await t.gql(EditAdvisorProfileDocument, { input: { displayName: 'First Try' } }, user.token));
    const merged = expectOk(await t.gql(EditAdvisorProfileDocument, { input: { calComEventTypeUrl: NEW_URL } }, user.token))
      .updateAdvisorProfile.pendingProfileChange!;
    expect(merged).toMatchObject({ displayName: 'First Try', calComEventTypeUrl: NEW_URL });

    const rejected = expectOk(await t.gql(RejectAdvisorProfileChangeDocument, { id: merged.id, note: 'not your site' }, admin.token));
    expect(rejected.rejectAdvisorProfileChange).toMatchObject({ status: 'REJECTED', note: 'not your site' });
    expect(await publicProfile(advisorId)).toMatchObject({ displayName: 'Ada Advisor', calComEventTypeUrl: OLD_URL });
    expect((await audit(advisorId)).map((a) => a.action)).toEqual([
      'advisor_profile.change_requested',
      'advisor_profile.change_requested',
      'advisor_profile.change_rejected',
    ]);

    const again = expectOk(await t.gql(EditAdvisorProfileDocument, { input: { displayName: 'Second Try' } }, user.token));
    expect(again.updateAdvisorProfile.pendingProfileChange).toMatchObject({ displayName: 'Second Try', changesCalComEventTypeUrl: false });
    const back = expectOk(await t.gql(EditAdvisorProfileDocument, { input: { displayName: 'Ada Advisor' } }, user.token));
    expect(back.updateAdvisorProfile.pendingProfileChange).toBeNull();
    expect((await audit(advisorId)).at(-1)!.action).toBe('advisor_profile.change_withdrawn');
  });

  it('an advisor not yet approved edits name and booking link freely, recorded', async () => {
    const { user, advisorId } = await makeAdvisor(t, admin, { status: 'pending' });
    const edited = expectOk(
      await t.gql(EditAdvisorProfileDocument, { input: { displayName: 'Renamed', calComEventTypeUrl: NEW_URL } }, user.token),
    );
    expect(edited.updateAdvisorProfile).toMatchObject({ displayName: 'Renamed', calComEventTypeUrl: NEW_URL, pendingProfileChange: null });
    expect(await audit(advisorId)).toEqual([
      {
        actor_id: user.id,
        action: 'advisor_profile.update',
        reason: null,
        before: { displayName: 'Ada Advisor', calComEventTypeUrl: null },
        after: { displayName: 'Renamed', calComEventTypeUrl: NEW_URL },
      },
    ]);
  });
});
