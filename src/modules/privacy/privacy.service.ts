import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { PersonActor } from '../../common/actor';
import { badInput, conflict, notFound } from '../../common/errors';
import { assertUuid } from '../../common/ids';
import type { ReadScope } from '../../common/read-scope';
import { Advisor } from '../advisor/advisor.entity';
import type { AdvisorService } from '../advisor/advisor.service';
import { auditLog } from '../audit/audit.service';
import type { UserService } from '../user/user.service';
import { User } from '../user/user.entity';
import { countLive, erasePersonalData, readPersonalData } from './privacy.queries';

/**
 * Privacy rights: a person's export of everything held about them, and the erasure of their
 * personal data (by themselves, or by an admin) with money records kept, anonymized, as
 * accounting law requires. An erased user's row stays (money rows point at it), marked erased:
 * the claims sync never writes it again and their tokens are refused.
 */
export class PrivacyService {
  constructor(private readonly deps: { advisors: AdvisorService; users: UserService; em: () => EntityManager }) {}

  async exportFor(scope: ReadScope): Promise<string> {
    const advisor = await scope.myAdvisor();
    return JSON.stringify(await readPersonalData(scope.em, scope.actor.id, advisor?.id ?? null));
  }

  /**
   * Erases a person (themselves, or anyone for an admin: the resolver checks the role). Refused
   * with CONFLICT (reason LIVE_CONSULTATIONS) while a consultation of theirs is still live.
   */
  async erase(actor: PersonActor, userId: string, reason: string | null): Promise<boolean> {
    assertUuid(userId);
    if (reason && reason.length > 1000) throw badInput('reason', 'must be at most 1000 characters');
    await this.deps.em().transactional(async (em) => {
      const user = await em.findOne(User, { id: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!user) throw notFound('User');
      if (user.erasedAt) return;
      const advisor = await em.findOne(Advisor, { user: userId }, { fields: ['id'] });
      const live = await countLive(em, userId, advisor?.id ?? null);
      if (live > 0) {
        throw conflict(`${live} consultation(s) are still live; cancel them first (the refund policy applies)`, {
          reason: 'LIVE_CONSULTATIONS',
        });
      }
      await erasePersonalData(em, user);
      if (advisor) await this.deps.advisors.erase(em, actor, advisor.id);
      auditLog.record(em, actor, {
        action: 'user.erase',
        subjectType: 'user',
        subjectId: userId,
        reason,
        before: null,
        after: { erased: true, advisorId: advisor?.id ?? null },
      });
    });
    this.deps.users.reset();
    return true;
  }
}
