import { IsInt, IsOptional, Max, MaxLength, Min } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { Connection } from '../../graphql/connection';
import type { ReviewRow } from './review.service';
import { MAX_REVIEW_TEXT } from './review.service';

@ObjectType('Review', {
  description: 'A client review of a completed consultation; the reviewer by first name only',
  simpleResolvers: true,
})
export class ReviewView {
  @Field(() => ID, { description: 'The review id' }) id!: string;
  @Field(() => Int, { description: 'Overall, 1 to 5' }) rating!: number;
  @Field(() => Int, { description: 'Expertise, 1 to 5', nullable: true }) expertiseRating!: number | null;
  @Field(() => Int, { description: 'Communication, 1 to 5', nullable: true }) communicationRating!: number | null;
  @Field(() => Int, { description: 'Helpfulness, 1 to 5', nullable: true }) helpfulnessRating!: number | null;
  @Field(() => String, { description: 'What the client wrote', nullable: true }) text!: string | null;
  @Field(() => String, { description: "The reviewer's first name", nullable: true }) reviewerFirstName!: string | null;
  @Field({ description: 'When it was written' }) createdAt!: Date;
}

export const toReviewView = (r: ReviewRow): ReviewView => ({
  id: r.id,
  rating: r.rating,
  expertiseRating: r.expertiseRating,
  communicationRating: r.communicationRating,
  helpfulnessRating: r.helpfulnessRating,
  text: r.text,
  reviewerFirstName: r.reviewerFirstName,
  createdAt: r.createdAt,
});

export const ReviewConnection = Connection(ReviewView, 'Review');

@InputType({ description: 'Ratings from 1 to 5 and an optional text' })
export class ReviewInput {
  @Field(() => Int, { description: 'Overall, 1 to 5' }) @IsInt() @Min(1) @Max(5) rating!: number;
  @Field(() => Int, { description: 'Expertise, 1 to 5', nullable: true }) @IsOptional() @IsInt() @Min(1) @Max(5) expertiseRating?:
    number | null;
  @Field(() => Int, { description: 'Communication, 1 to 5', nullable: true }) @IsOptional() @IsInt() @Min(1) @Max(5) communicationRating?:
    number | null;
  @Field(() => Int, { description: 'Helpfulness, 1 to 5', nullable: true }) @IsOptional() @IsInt() @Min(1) @Max(5) helpfulnessRating?:
    number | null;
  @Field(() => String, { description: 'What you want to say, up to 2000 characters', nullable: true })
  @IsOptional()
  @MaxLength(MAX_REVIEW_TEXT)
  text?: string | null;
}
