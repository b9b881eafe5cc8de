import type { AdvisorTemplate, ClientTemplate, LanguagePack, TemplateSource } from '../types';

const section = (inner: string) => `<mj-section><mj-column>${inner}</mj-column></mj-section>`;
const joinButton = `<mj-raw>{{#videoUrl}}</mj-raw><mj-button href="{{videoUrl}}">Join the video call</mj-button><mj-raw>{{/videoUrl}}</mj-raw>`;
const note = `{{#note}}<p><strong>Note from our team:</strong> {{note}}</p>{{/note}}`;
const noteText = `{{#note}}Note from our team: {{note}}\n{{/note}}`;

const client: Record<ClientTemplate, TemplateSource> = {
  'consultation-booking-confirmed': {
    subject: 'Confirmed: your consultation with {{advisorName}}',
    mjml: section(`<mj-text>
      <p>Your consultation with <strong>{{advisorName}}</strong> is confirmed.</p>
      <p><strong>When:</strong> {{start}}<br/><strong>Duration:</strong> {{duration}}<br/><strong>Price:</strong> {{price}}</p>
    </mj-text>
    ${joinButton}
    <mj-text>
      {{^videoUrl}}<p>The video link will be on your consultation page before the start.</p>{{/videoUrl}}
      <p><strong>Cancellation policy:</strong> cancel more than 24 hours before the start and you get a full refund; 24 hours or less before the start, there is no refund.</p>
      <p>The attached invitation adds the consultation to your calendar. <a href="{{consultationUrl}}">See your consultation</a></p>
    </mj-text>`),
    text: `Your consultation with {{advisorName}} is confirmed.

When: {{start}}
Duration: {{duration}}
Price: {{price}}
{{#videoUrl}}Video call: {{videoUrl}}
{{/videoUrl}}{{^videoUrl}}The video link will be on your consultation page before the start.
{{/videoUrl}}
Cancellation policy: cancel more than 24 hours before the start and you get a full refund; 24 hours or less before the start, there is no refund.

The attached invitation adds the consultation to your calendar.
Your consultation: {{consultationUrl}}
`,
  },
  'consultation-cancelled': {
    subject: 'Cancelled: your consultation with {{advisorName}}',
    mjml: section(`<mj-text>
      <p>Your consultation with <strong>{{advisorName}}</strong> on {{start}} is cancelled.</p>
      {{#reasonClientEarly}}<p>You cancelled more than 24 hours before the start, so you get a full refund.</p>{{/reasonClientEarly}}
      {{#reasonAdvisor}}<p>The advisor cancelled, so you get a full refund.</p>{{/reasonAdvisor}}
      {{#reasonPlatform}}<p>It was cancelled on our side, so you get a full refund.</p>{{/reasonPlatform}}
      {{#reasonClientLate}}<p>You cancelled 24 hours or less before the start: under the cancellation policy there is no refund.</p>{{/reasonClientLate}}
      {{#reasonNotCharged}}<p>Nothing was charged, so there is nothing to refund.</p>{{/reasonNotCharged}}
      {{#refund}}<p><strong>Refund:</strong> {{refund}}, to the card you paid with. It usually shows within 5 to 10 business days.</p>{{/refund}}
      <p>The attached update removes the consultation from your calendar.</p>
    </mj-text>`),
    text: `Your consultation with {{advisorName}} on {{start}} is cancelled.
{{#reasonClientEarly}}You cancelled more than 24 hours before the start, so you get a full refund.
{{/reasonClientEarly}}{{#reasonAdvisor}}The advisor cancelled, so you get a full refund.
{{/reasonAdvisor}}{{#reasonPlatform}}It was cancelled on our side, so you get a full refund.
{{/reasonPlatform}}{{#reasonClientLate}}You cancelled 24 hours or less before the start: under the cancellation policy there is no refund.
{{/reasonClientLate}}{{#reasonNotCharged}}Nothing was charged, so there is nothing to refund.
{{/reasonNotCharged}}{{#refund}}
Refund: {{refund}}, to the card you paid with. It usually shows within 5 to 10 business days.
{{/refund}}
The attached update removes the consultation from your calendar.
`,
  },
  'consultation-rescheduled': {
    subject: 'New time: your consultation with {{advisorName}}',
    mjml: section(`<mj-text>
      <p>Your consultation with <strong>{{advisorName}}</strong> has moved.</p>
      <p><strong>New time:</strong> {{start}}<br/><strong>Was:</strong> {{previousStart}}<br/><strong>Duration:</strong> {{duration}}</p>
    </mj-text>
    ${joinButton}
    <mj-text><p>The attached update moves it in your calendar. <a href="{{consultationUrl}}">See your consultation</a></p></mj-text>`),
    text: `Your consultation with {{advisorName}} has moved.

New time: {{start}}
Was: {{previousStart}}
Duration: {{duration}}
{{#videoUrl}}Video call: {{videoUrl}}
{{/videoUrl}}
The attached update moves it in your calendar.
Your consultation: {{consultationUrl}}
`,
  },
  'consultation-reminder': {
    subject: 'Reminder: your consultation with {{advisorName}} is in 24 hours',
    mjml: section(`<mj-text>
      <p>Your consultation with <strong>{{advisorName}}</strong> starts {{start}}.</p>
      <p><strong>Duration:</strong> {{duration}}</p>
    </mj-text>
    ${joinButton}
    <mj-text><p><a href="{{consultationUrl}}">See your consultation</a></p></mj-text>`),
    text: `Your consultation with {{advisorName}} starts {{start}}.
Duration: {{duration}}
{{#videoUrl}}Video call: {{videoUrl}}
{{/videoUrl}}Your consultation: {{consultationUrl}}
`,
  },
  'consultation-rating': {
    subject: 'How was your consultation with {{advisorName}}?',
    mjml: section(`<mj-text>
      <p>Thank you for your consultation with <strong>{{advisorName}}</strong> on {{start}}.</p>
      <p>A rating takes a minute and helps other clients choose.</p>
    </mj-text>
    <mj-button href="{{ratingUrl}}">Rate your consultation</mj-button>`),
    text: `Thank you for your consultation with {{advisorName}} on {{start}}.
A rating takes a minute and helps other clients choose: {{ratingUrl}}
`,
  },
  'consultation-chat-unread': {
    subject: 'New messages about your consultation with {{advisorName}}',
    mjml: section(`<mj-text>
      <p>Messages about your consultation with <strong>{{advisorName}}</strong> on {{start}} are waiting for you (unread: {{unread}}).</p>
    </mj-text>
    <mj-button href="{{consultationUrl}}">Read and reply</mj-button>`),
    text: `Messages about your consultation with {{advisorName}} on {{start}} are waiting for you (unread: {{unread}}).
Read and reply: {{consultationUrl}}
`,
  },
  'consultation-refunded': {
    subject: 'Your refund of {{refund}} is on its way',
    mjml: section(`<mj-text>
      <p>We refunded <strong>{{refund}}</strong> for your consultation with {{advisorName}}, to the card you paid with.</p>
      <p>It usually shows on your statement within 5 to 10 business days.</p>
    </mj-text>`),
    text: `We refunded {{refund}} for your consultation with {{advisorName}}, to the card you paid with.
It usually shows on your statement within 5 to 10 business days.
`,
  },
};

const advisor: Record<AdvisorTemplate, TemplateSource> = {
  'advisor-new-booking': {
    subject: 'New booking: {{clientName}}, {{start}}',
    mjml: section(`<mj-text>
      <p><strong>{{clientName}}</strong> booked a consultation with you.</p>
      <p><strong>When:</strong> {{start}}<br/><strong>Duration:</strong> {{duration}}</p>
    </mj-text>
    ${joinButton}
    <mj-text><p><a href="{{consultationUrl}}">See the consultation</a></p></mj-text>`),
    text: `{{clientName}} booked a consultation with you.

When: {{start}}
Duration: {{duration}}
{{#videoUrl}}Video call: {{videoUrl}}
{{/videoUrl}}The consultation: {{consultationUrl}}
`,
  },
  'advisor-consultation-cancelled': {
    subject: 'Cancelled: consultation with {{clientName}}',
    mjml: section(`<mj-text>
      <p>The consultation with <strong>{{clientName}}</strong> on {{start}} is cancelled.</p>
      {{#byClient}}<p>The client cancelled it.</p>{{/byClient}}
      {{#byAdvisor}}<p>You cancelled it; the client gets a full refund.</p>{{/byAdvisor}}
      {{#byPlatform}}<p>It was cancelled on our side.</p>{{/byPlatform}}
      {{#keepsEarning}}<p>It was cancelled 24 hours or less before the start, so you keep your earning for it.</p>{{/keepsEarning}}
    </mj-text>`),
    text: `The consultation with {{clientName}} on {{start}} is cancelled.
{{#byClient}}The client cancelled it.
{{/byClient}}{{#byAdvisor}}You cancelled it; the client gets a full refund.
{{/byAdvisor}}{{#byPlatform}}It was cancelled on our side.
{{/byPlatform}}{{#keepsEarning}}It was cancelled 24 hours or less before the start, so you keep your earning for it.
{{/keepsEarning}}`,
  },
  'advisor-consultation-rescheduled': {
    subject: 'New time: consultation with {{clientName}}',
    mjml: section(`<mj-text>
      <p>The consultation with <strong>{{clientName}}</strong> has moved.</p>
      <p><strong>New time:</strong> {{start}}<br/><strong>Was:</strong> {{previousStart}}<br/><strong>Duration:</strong> {{duration}}</p>
    </mj-text>
    ${joinButton}`),
    text: `The consultation with {{clientName}} has moved.

New time: {{start}}
Was: {{previousStart}}
Duration: {{duration}}
{{#videoUrl}}Video call: {{videoUrl}}
{{/videoUrl}}`,
  },
  'advisor-chat-unread': {
    subject: 'New messages from {{clientName}}',
    mjml: section(`<mj-text>
      <p>Messages about your consultation with <strong>{{clientName}}</strong> on {{start}} are waiting for you (unread: {{unread}}).</p>
    </mj-text>
    <mj-button href="{{consultationUrl}}">Read and reply</mj-button>`),
    text: `Messages about your consultation with {{clientName}} on {{start}} are waiting for you (unread: {{unread}}).
Read and reply: {{consultationUrl}}
`,
  },
  'advisor-consultation-reminder': {
    subject: 'Reminder: consultation with {{clientName}} in 24 hours',
    mjml: section(`<mj-text>
      <p>Your consultation with <strong>{{clientName}}</strong> starts {{start}}.</p>
      <p><strong>Duration:</strong> {{duration}}</p>
    </mj-text>
    ${joinButton}`),
    text: `Your consultation with {{clientName}} starts {{start}}.
Duration: {{duration}}
{{#videoUrl}}Video call: {{videoUrl}}
{{/videoUrl}}`,
  },
  'advisor-payout-processed': {
    subject: 'Your payout for {{month}}: {{amount}}',
    mjml: section(`<mj-text>
      <p>Your payout for {{month}} is on its way to your bank account through Stripe.</p>
      <p><strong>Amount:</strong> {{amount}}<br/><strong>Consultations:</strong> {{consultations}}</p>
    </mj-text>
    <mj-button href="{{portalUrl}}">See your earnings</mj-button>`),
    text: `Your payout for {{month}} is on its way to your bank account through Stripe.

Amount: {{amount}}
Consultations: {{consultations}}

Your earnings: {{portalUrl}}
`,
  },
  'advisor-approve': {
    subject: 'Your advisor application is approved',
    mjml: section(`<mj-text>
      <p>Welcome, {{displayName}}: your application is approved and your profile is live.</p>
      <p>Set up payouts to receive your earnings.</p>
      ${note}
    </mj-text>
    <mj-button href="{{dashboardUrl}}">Open your dashboard</mj-button>`),
    text: `Welcome, {{displayName}}: your application is approved and your profile is live.
Set up payouts to receive your earnings.
${noteText}
Your dashboard: {{dashboardUrl}}
`,
  },
  'advisor-reject': {
    subject: 'About your advisor application',
    mjml: section(`<mj-text>
      <p>Thank you for applying, {{displayName}}. We cannot approve your application at this time.</p>
      ${note}
      <p>You may apply again once the points above are addressed.</p>
    </mj-text>`),
    text: `Thank you for applying, {{displayName}}. We cannot approve your application at this time.
${noteText}
You may apply again once the points above are addressed.
`,
  },
  'advisor-suspend': {
    subject: 'Your advisor profile is suspended',
    mjml: section(`<mj-text>
      <p>Your profile ({{displayName}}) is suspended: it no longer appears in search and takes no new bookings.</p>
      ${note}
    </mj-text>`),
    text: `Your profile ({{displayName}}) is suspended: it no longer appears in search and takes no new bookings.
${noteText}`,
  },
  'advisor-reactivate': {
    subject: 'Your advisor profile is active again',
    mjml: section(`<mj-text>
      <p>Your profile ({{displayName}}) is active again and takes bookings.</p>
      ${note}
    </mj-text>
    <mj-button href="{{dashboardUrl}}">Open your dashboard</mj-button>`),
    text: `Your profile ({{displayName}}) is active again and takes bookings.
${noteText}
Your dashboard: {{dashboardUrl}}
`,
  },
};

export const en: LanguagePack = {
  dir: 'ltr',
  layout: {
    brand: 'Advisor Network',
    aClient: 'A client',
    calendarTitle: 'Consultation with {{advisorName}}',
    hello: 'Hello,',
    helloNamed: 'Hello {{firstName}},',
    footer: 'You receive this email because you have an account with Advisor Network.',
    unsubscribe: {
      reminders: 'Stop reminder emails',
      'rating-prompts': 'Stop rating requests',
    },
  },
  templates: { ...client, ...advisor },
  optOutPage: {
    title: 'Email preferences',
    confirm: {
      reminders: 'Stop the reminders we send 24 hours before each consultation?',
      'rating-prompts': 'Stop the requests to rate a consultation after it ends?',
    },
    button: 'Yes, stop them',
    done: {
      reminders: 'Done: you will no longer receive consultation reminders.',
      'rating-prompts': 'Done: you will no longer receive rating requests.',
    },
    invalid: 'This link is not valid. Please use the link from the latest email.',
  },
};
