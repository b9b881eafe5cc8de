import type { Role } from '../modules/user/user.entity';

/** The demo people, advisors and consultations `npm run seed` creates (seed.ts does the creating). */

export interface DemoPerson {
  key: string;
  sub: string;
  givenName: string;
  familyName: string;
  email: string;
  roles: Role[];
}

const person = (n: number, key: string, givenName: string, familyName: string, roles: Role[]): DemoPerson => ({
  key,
  sub: `de300000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  givenName,
  familyName,
  email: `${givenName.toLowerCase()}.${familyName.toLowerCase()}@demo.example.com`,
  roles,
});

export const DEMO = {
  admin: person(1, 'admin', 'Ann', 'Admin', ['admin']),
  grace: person(2, 'grace', 'Grace', 'Hopper', ['client']),
  hiro: person(3, 'hiro', 'Hiro', 'Tanaka', ['client']),
  maya: person(11, 'maya', 'Maya', 'Chen', ['client', 'advisor']),
  omar: person(12, 'omar', 'Omar', 'Haddad', ['client', 'advisor']),
  lena: person(13, 'lena', 'Lena', 'Vogel', ['client', 'advisor']),
  pia: person(14, 'pia', 'Pia', 'Santos', ['client', 'advisor']),
  ravi: person(15, 'ravi', 'Ravi', 'Kumar', ['client', 'advisor']),
  sam: person(16, 'sam', 'Sam', 'Okafor', ['client', 'advisor']),
} as const;

export type Status = 'APPROVED' | 'PENDING' | 'REJECTED' | 'SUSPENDED';

export const ADVISORS: { who: DemoPerson; status: Status; connect?: boolean; input: Record<string, unknown> }[] = [
  {
    who: DEMO.maya,
    status: 'APPROVED',
    connect: true,
    input: {
      displayName: 'Maya Chen',
      bio: 'Frontend architect: React, TypeScript and design systems for teams that ship every day.',
      skills: ['react', 'typescript', 'frontend'],
      specialties: ['architecture', 'performance'],
      languages: ['en', 'zh'],
      countryCode: 'SG',
      timezone: 'Asia/Singapore',
    },
  },
  {
    who: DEMO.omar,
    status: 'APPROVED',
    connect: true,
    input: {
      displayName: 'Omar Haddad',
      bio: 'Data engineer: Python, PostgreSQL and pipelines that survive Monday mornings.',
      skills: ['python', 'postgresql', 'data'],
      specialties: ['data engineering'],
      languages: ['en', 'ar'],
      countryCode: 'AE',
      timezone: 'Asia/Dubai',
    },
  },
  {
    who: DEMO.lena,
    status: 'APPROVED',
    input: {
      displayName: 'Lena Vogel',
      bio: 'Product designer: UX research, prototypes and accessible interfaces.',
      skills: ['design', 'ux', 'accessibility'],
      specialties: ['product design'],
      languages: ['de', 'en'],
      countryCode: 'DE',
      timezone: 'Europe/Berlin',
    },
  },
  {
    who: DEMO.pia,
    status: 'PENDING',
    input: {
      displayName: 'Pia Santos',
      bio: 'Mobile developer (Flutter, Kotlin).',
      skills: ['flutter', 'kotlin'],
      languages: ['pt', 'en'],
    },
  },
  {
    who: DEMO.ravi,
    status: 'REJECTED',
    input: { displayName: 'Ravi Kumar', bio: 'Generalist.', skills: ['react'], languages: ['en', 'hi'], countryCode: 'IN' },
  },
  {
    who: DEMO.sam,
    status: 'SUSPENDED',
    input: { displayName: 'Sam Okafor', bio: 'Cloud and DevOps.', skills: ['aws', 'terraform'], languages: ['en'], countryCode: 'NG' },
  },
];

export type Outcome = 'complete' | 'noShow' | 'scheduled' | 'unpaid' | 'inProgress' | 'earlyCancel';

export interface Plan {
  uid: string;
  advisor: DemoPerson;
  client: DemoPerson;
  minutes: 15 | 30 | 60;
  outcome: Outcome;
  /** Where the consultation ends up: days from now (negative: in the past), or a day of last month. */
  lastMonthDay?: number;
  /** Minutes from now. */
  at?: number;
  review?: { rating: number; text: string; expertise?: number; communication?: number; helpfulness?: number };
}

export const DAY = 24 * 60;
export const PLANS: Plan[] = [
  // Last month: delivered and paid out.
  {
    uid: 'demo-maya-1',
    advisor: DEMO.maya,
    client: DEMO.grace,
    minutes: 60,
    outcome: 'complete',
    lastMonthDay: 3,
    review: { rating: 5, text: 'Untangled our state management in an hour.', expertise: 5, communication: 5, helpfulness: 5 },
  },
  {
    uid: 'demo-maya-2',
    advisor: DEMO.maya,
    client: DEMO.hiro,
    minutes: 30,
    outcome: 'complete',
    lastMonthDay: 9,
    review: { rating: 4, text: 'Clear advice on bundle size.', expertise: 5, communication: 4, helpfulness: 4 },
  },
  { uid: 'demo-maya-3', advisor: DEMO.maya, client: DEMO.grace, minutes: 15, outcome: 'noShow', lastMonthDay: 14 },
  {
    uid: 'demo-omar-1',
    advisor: DEMO.omar,
    client: DEMO.hiro,
    minutes: 30,
    outcome: 'complete',
    lastMonthDay: 11,
    review: { rating: 5, text: 'Our nightly job went from 3 hours to 20 minutes.' },
  },
  {
    uid: 'demo-omar-2',
    advisor: DEMO.omar,
    client: DEMO.grace,
    minutes: 60,
    outcome: 'complete',
    lastMonthDay: 20,
    review: { rating: 4, text: 'Practical and patient.' },
  },
  {
    uid: 'demo-lena-1',
    advisor: DEMO.lena,
    client: DEMO.hiro,
    minutes: 30,
    outcome: 'complete',
    lastMonthDay: 16,
    review: { rating: 3, text: 'Good ideas, ran out of time.' },
  },
  // Now: every other status.
  { uid: 'demo-lena-2', advisor: DEMO.lena, client: DEMO.grace, minutes: 60, outcome: 'inProgress', at: -10 },
  { uid: 'demo-maya-4', advisor: DEMO.maya, client: DEMO.grace, minutes: 30, outcome: 'scheduled', at: 3 * DAY },
  { uid: 'demo-omar-3', advisor: DEMO.omar, client: DEMO.grace, minutes: 60, outcome: 'unpaid', at: 4 * DAY },
  { uid: 'demo-omar-4', advisor: DEMO.omar, client: DEMO.hiro, minutes: 15, outcome: 'earlyCancel', at: 5 * DAY },
  { uid: 'demo-maya-5', advisor: DEMO.maya, client: DEMO.hiro, minutes: 60, outcome: 'scheduled', at: 6 * DAY },
];
