import { randomUUID } from 'node:crypto';
import { Check, Entity, Index, ManyToOne, OneToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Advisor } from '../advisor/advisor.entity';
import { Consultation } from '../consultation/consultation.entity';
import { User } from '../user/user.entity';

@Entity({ tableName: 'advisor_reviews' })
@Check({ name: 'advisor_reviews_rating_check', expression: 'rating >= 1 and rating <= 5' })
@Check({ name: 'advisor_reviews_expertise_check', expression: 'expertise_rating >= 1 and expertise_rating <= 5' })
@Check({ name: 'advisor_reviews_communication_check', expression: 'communication_rating >= 1 and communication_rating <= 5' })
@Check({ name: 'advisor_reviews_helpfulness_check', expression: 'helpfulness_rating >= 1 and helpfulness_rating <= 5' })
@Index({ name: 'advisor_reviews_advisor_created_idx', properties: ['advisor', 'createdAt'] })
export class AdvisorReview {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Advisor, { deleteRule: 'restrict' })
  advisor: Advisor;

  @ManyToOne(() => User, { deleteRule: 'restrict' })
  client: User;

  /** One review per consultation. */
  @OneToOne(() => Consultation, { owner: true, unique: 'advisor_reviews_consultation_id_unique', deleteRule: 'restrict' })
  consultation: Consultation;

  @Property({ type: 'smallint' })
  rating: number;

  @Property({ type: 'smallint', nullable: true })
  expertiseRating: number | null = null;

  @Property({ type: 'smallint', nullable: true })
  communicationRating: number | null = null;

  @Property({ type: 'smallint', nullable: true })
  helpfulnessRating: number | null = null;

  @Property({ type: 'text', nullable: true })
  reviewText: string | null = null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  constructor(consultation: Consultation, rating: number) {
    this.consultation = consultation;
    this.advisor = consultation.advisor;
    this.client = consultation.client;
    this.rating = rating;
  }
}
