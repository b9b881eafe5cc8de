import { randomUUID } from 'node:crypto';
import { Entity, Enum, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { User } from './user.entity';

/** The roles held in the database; `client` comes with every sign-in and `advisor` with an approved profile. */
export enum GrantedRole {
  ADMIN = 'admin',
}

/**
 * A role granted to a user (the plan's user_roles). A token's claims identify the user; what
 * they may do as an admin comes from here. Revoking deletes the row; audit_log keeps every grant
 * and revocation.
 */
@Entity({ tableName: 'user_roles' })
@Unique({ name: 'user_roles_user_role_unique', properties: ['user', 'role'] })
export class UserRole {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user: User;

  @Enum({ items: () => GrantedRole })
  role: GrantedRole;

  /** Who granted it; null when an operator did (npm run admin:grant). */
  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  grantedBy: User | null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  grantedAt: Date = new Date();

  constructor(user: User, role: GrantedRole, grantedBy: User | null) {
    this.user = user;
    this.role = role;
    this.grantedBy = grantedBy;
  }
}
