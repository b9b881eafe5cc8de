import { ArrayType, Entity, PrimaryKey, Property } from '@mikro-orm/core';

import type { Role } from '../../common/actor';

export type { Role };

/** A person as the identity provider last described them; the row is kept in step with token claims. */
@Entity({ tableName: 'users' })
export class User {
  @PrimaryKey({ type: 'uuid' })
  id: string;

  @Property({ type: 'text' })
  email: string;

  @Property({ type: 'text', nullable: true })
  givenName: string | null = null;

  @Property({ type: 'text', nullable: true })
  familyName: string | null = null;

  @Property({ type: ArrayType, columnType: 'text[]', default: '{}' })
  roles: Role[] = [];

  /** When the person's data was erased (deleteMyAccount, eraseUser): the row stays, anonymized, and their tokens are refused. */
  @Property({ type: 'timestamptz', nullable: true })
  erasedAt: Date | null = null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  constructor(id: string, email: string) {
    this.id = id;
    this.email = email;
  }
}
