import { wrap } from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { GrantedRole, type UserRole } from './user-role.entity';

registerEnumType(GrantedRole, {
  name: 'GrantedRole',
  description: 'A role held in the database and granted by an admin',
  valuesConfig: { ADMIN: { description: 'Runs approvals, refunds and payouts' } },
});

@ObjectType({ description: 'A role granted to a user' })
export class RoleGrant {
  @Field(() => ID, { description: 'The user holding the role' }) userId!: string;
  @Field(() => String, { nullable: true, description: "The user's email" }) email!: string | null;
  @Field(() => GrantedRole, { description: 'The role' }) role!: GrantedRole;
  @Field(() => ID, { nullable: true, description: 'The admin who granted it; null when an operator did (npm run admin:grant)' })
  grantedById!: string | null;
  @Field({ description: 'When it was granted' }) grantedAt!: Date;
}

export function toRoleGrant(r: UserRole): RoleGrant {
  return {
    userId: r.user.id,
    email: wrap(r.user).isInitialized() ? r.user.email : null,
    role: r.role,
    grantedById: r.grantedBy?.id ?? null,
    grantedAt: r.grantedAt,
  };
}
