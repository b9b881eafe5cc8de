import type { AdvisorTemplate, ClientTemplate, LanguagePack, TemplateSource } from '../types';

const section = (inner: string) => `<mj-section><mj-column>${inner}</mj-column></mj-section>`;
const joinButton = `<mj-raw>{{#videoUrl}}</mj-raw><mj-button href="{{videoUrl}}">الانضمام إلى مكالمة الفيديو</mj-button><mj-raw>{{/videoUrl}}</mj-raw>`;
const note = `{{#note}}<p><strong>ملاحظة من فريقنا:</strong> {{note}}</p>{{/note}}`;
const noteText = `{{#note}}ملاحظة من فريقنا: {{note}}\n{{/note}}`;

const client: Record<ClientTemplate, TemplateSource> = {
  'consultation-booking-confirmed': {
    subject: 'تم تأكيد استشارتك مع {{advisorName}}',
    mjml: section(`<mj-text>
      <p>تم تأكيد استشارتك مع <strong>{{advisorName}}</strong>.</p>
      <p><strong>الموعد:</strong> {{start}}<br/><strong>المدة:</strong> {{duration}}<br/><strong>السعر:</strong> {{price}}</p>
    </mj-text>
    ${joinButton}
    <mj-text>
      {{^videoUrl}}<p>سيظهر رابط الفيديو في صفحة استشارتك قبل موعد البدء.</p>{{/videoUrl}}
      <p><strong>سياسة الإلغاء:</strong> إذا ألغيت قبل أكثر من 24 ساعة من موعد البدء تسترد المبلغ كاملًا؛ وإذا ألغيت خلال 24 ساعة أو أقل فلا يُسترد المبلغ.</p>
      <p>الدعوة المرفقة تضيف الاستشارة إلى تقويمك. <a href="{{consultationUrl}}">عرض استشارتك</a></p>
    </mj-text>`),
    text: `تم تأكيد استشارتك مع {{advisorName}}.

الموعد: {{start}}
المدة: {{duration}}
السعر: {{price}}
{{#videoUrl}}مكالمة الفيديو: {{videoUrl}}
{{/videoUrl}}{{^videoUrl}}سيظهر رابط الفيديو في صفحة استشارتك قبل موعد البدء.
{{/videoUrl}}
سياسة الإلغاء: إذا ألغيت قبل أكثر من 24 ساعة من موعد البدء تسترد المبلغ كاملًا؛ وإذا ألغيت خلال 24 ساعة أو أقل فلا يُسترد المبلغ.

الدعوة المرفقة تضيف الاستشارة إلى تقويمك.
استشارتك: {{consultationUrl}}
`,
  },
  'consultation-cancelled': {
    subject: 'تم إلغاء استشارتك مع {{advisorName}}',
    mjml: section(`<mj-text>
      <p>تم إلغاء استشارتك مع <strong>{{advisorName}}</strong> في {{start}}.</p>
      {{#reasonClientEarly}}<p>ألغيت قبل أكثر من 24 ساعة من موعد البدء، لذا تسترد المبلغ كاملًا.</p>{{/reasonClientEarly}}
      {{#reasonAdvisor}}<p>ألغى المستشار الموعد، لذا تسترد المبلغ كاملًا.</p>{{/reasonAdvisor}}
      {{#reasonPlatform}}<p>أُلغي الموعد من جهتنا، لذا تسترد المبلغ كاملًا.</p>{{/reasonPlatform}}
      {{#reasonClientLate}}<p>ألغيت خلال 24 ساعة أو أقل من موعد البدء، ووفق سياسة الإلغاء لا يُسترد المبلغ.</p>{{/reasonClientLate}}
      {{#reasonNotCharged}}<p>لم يُخصم أي مبلغ، فلا يوجد ما يُسترد.</p>{{/reasonNotCharged}}
      {{#refund}}<p><strong>المبلغ المسترد:</strong> {{refund}} إلى البطاقة التي دفعت بها. يظهر عادةً خلال 5 إلى 10 أيام عمل.</p>{{/refund}}
      <p>التحديث المرفق يزيل الاستشارة من تقويمك.</p>
    </mj-text>`),
    text: `تم إلغاء استشارتك مع {{advisorName}} في {{start}}.
{{#reasonClientEarly}}ألغيت قبل أكثر من 24 ساعة من موعد البدء، لذا تسترد المبلغ كاملًا.
{{/reasonClientEarly}}{{#reasonAdvisor}}ألغى المستشار الموعد، لذا تسترد المبلغ كاملًا.
{{/reasonAdvisor}}{{#reasonPlatform}}أُلغي الموعد من جهتنا، لذا تسترد المبلغ كاملًا.
{{/reasonPlatform}}{{#reasonClientLate}}ألغيت خلال 24 ساعة أو أقل من موعد البدء، ووفق سياسة الإلغاء لا يُسترد المبلغ.
{{/reasonClientLate}}{{#reasonNotCharged}}لم يُخصم أي مبلغ، فلا يوجد ما يُسترد.
{{/reasonNotCharged}}{{#refund}}
المبلغ المسترد: {{refund}} إلى البطاقة التي دفعت بها. يظهر عادةً خلال 5 إلى 10 أيام عمل.
{{/refund}}
التحديث المرفق يزيل الاستشارة من تقويمك.
`,
  },
  'consultation-rescheduled': {
    subject: 'موعد جديد لاستشارتك مع {{advisorName}}',
    mjml: section(`<mj-text>
      <p>تغيّر موعد استشارتك مع <strong>{{advisorName}}</strong>.</p>
      <p><strong>الموعد الجديد:</strong> {{start}}<br/><strong>الموعد السابق:</strong> {{previousStart}}<br/><strong>المدة:</strong> {{duration}}</p>
    </mj-text>
    ${joinButton}
    <mj-text><p>التحديث المرفق ينقل الموعد في تقويمك. <a href="{{consultationUrl}}">عرض استشارتك</a></p></mj-text>`),
    text: `تغيّر موعد استشارتك مع {{advisorName}}.

الموعد الجديد: {{start}}
الموعد السابق: {{previousStart}}
المدة: {{duration}}
{{#videoUrl}}مكالمة الفيديو: {{videoUrl}}
{{/videoUrl}}
التحديث المرفق ينقل الموعد في تقويمك.
استشارتك: {{consultationUrl}}
`,
  },
  'consultation-reminder': {
    subject: 'تذكير: استشارتك مع {{advisorName}} بعد 24 ساعة',
    mjml: section(`<mj-text>
      <p>تبدأ استشارتك مع <strong>{{advisorName}}</strong> في {{start}}.</p>
      <p><strong>المدة:</strong> {{duration}}</p>
    </mj-text>
    ${joinButton}
    <mj-text><p><a href="{{consultationUrl}}">عرض استشارتك</a></p></mj-text>`),
    text: `تبدأ استشارتك مع {{advisorName}} في {{start}}.
المدة: {{duration}}
{{#videoUrl}}مكالمة الفيديو: {{videoUrl}}
{{/videoUrl}}استشارتك: {{consultationUrl}}
`,
  },
  'consultation-rating': {
    subject: 'كيف كانت استشارتك مع {{advisorName}}؟',
    mjml: section(`<mj-text>
      <p>شكرًا لك على استشارتك مع <strong>{{advisorName}}</strong> في {{start}}.</p>
      <p>التقييم يستغرق دقيقة ويساعد العملاء الآخرين على الاختيار.</p>
    </mj-text>
    <mj-button href="{{ratingUrl}}">قيّم استشارتك</mj-button>`),
    text: `شكرًا لك على استشارتك مع {{advisorName}} في {{start}}.
التقييم يستغرق دقيقة ويساعد العملاء الآخرين على الاختيار: {{ratingUrl}}
`,
  },
  'consultation-chat-unread': {
    subject: 'رسائل جديدة بخصوص استشارتك مع {{advisorName}}',
    mjml: section(`<mj-text>
      <p>رسائل بخصوص استشارتك مع <strong>{{advisorName}}</strong> في {{start}} بانتظارك (غير المقروءة: {{unread}}).</p>
    </mj-text>
    <mj-button href="{{consultationUrl}}">اقرأ وردّ</mj-button>`),
    text: `رسائل بخصوص استشارتك مع {{advisorName}} في {{start}} بانتظارك (غير المقروءة: {{unread}}).
اقرأ وردّ: {{consultationUrl}}
`,
  },
  'consultation-refunded': {
    subject: 'المبلغ المسترد {{refund}} في طريقه إليك',
    mjml: section(`<mj-text>
      <p>رددنا <strong>{{refund}}</strong> عن استشارتك مع {{advisorName}} إلى البطاقة التي دفعت بها.</p>
      <p>يظهر المبلغ عادةً في كشف حسابك خلال 5 إلى 10 أيام عمل.</p>
    </mj-text>`),
    text: `رددنا {{refund}} عن استشارتك مع {{advisorName}} إلى البطاقة التي دفعت بها.
يظهر المبلغ عادةً في كشف حسابك خلال 5 إلى 10 أيام عمل.
`,
  },
};

const advisor: Record<AdvisorTemplate, TemplateSource> = {
  'advisor-new-booking': {
    subject: 'حجز جديد: {{clientName}}، {{start}}',
    mjml: section(`<mj-text>
      <p>حجز <strong>{{clientName}}</strong> استشارة معك.</p>
      <p><strong>الموعد:</strong> {{start}}<br/><strong>المدة:</strong> {{duration}}</p>
    </mj-text>
    ${joinButton}
    <mj-text><p><a href="{{consultationUrl}}">عرض الاستشارة</a></p></mj-text>`),
    text: `حجز {{clientName}} استشارة معك.

الموعد: {{start}}
المدة: {{duration}}
{{#videoUrl}}مكالمة الفيديو: {{videoUrl}}
{{/videoUrl}}الاستشارة: {{consultationUrl}}
`,
  },
  'advisor-consultation-cancelled': {
    subject: 'إلغاء: الاستشارة مع {{clientName}}',
    mjml: section(`<mj-text>
      <p>أُلغيت الاستشارة مع <strong>{{clientName}}</strong> في {{start}}.</p>
      {{#byClient}}<p>ألغاها العميل.</p>{{/byClient}}
      {{#byAdvisor}}<p>ألغيتها أنت، ويسترد العميل المبلغ كاملًا.</p>{{/byAdvisor}}
      {{#byPlatform}}<p>أُلغيت من جهتنا.</p>{{/byPlatform}}
      {{#keepsEarning}}<p>أُلغيت خلال 24 ساعة أو أقل من موعد البدء، لذا تحتفظ بأرباحك عنها.</p>{{/keepsEarning}}
    </mj-text>`),
    text: `أُلغيت الاستشارة مع {{clientName}} في {{start}}.
{{#byClient}}ألغاها العميل.
{{/byClient}}{{#byAdvisor}}ألغيتها أنت، ويسترد العميل المبلغ كاملًا.
{{/byAdvisor}}{{#byPlatform}}أُلغيت من جهتنا.
{{/byPlatform}}{{#keepsEarning}}أُلغيت خلال 24 ساعة أو أقل من موعد البدء، لذا تحتفظ بأرباحك عنها.
{{/keepsEarning}}`,
  },
  'advisor-consultation-rescheduled': {
    subject: 'موعد جديد: الاستشارة مع {{clientName}}',
    mjml: section(`<mj-text>
      <p>تغيّر موعد الاستشارة مع <strong>{{clientName}}</strong>.</p>
      <p><strong>الموعد الجديد:</strong> {{start}}<br/><strong>الموعد السابق:</strong> {{previousStart}}<br/><strong>المدة:</strong> {{duration}}</p>
    </mj-text>
    ${joinButton}`),
    text: `تغيّر موعد الاستشارة مع {{clientName}}.

الموعد الجديد: {{start}}
الموعد السابق: {{previousStart}}
المدة: {{duration}}
{{#videoUrl}}مكالمة الفيديو: {{videoUrl}}
{{/videoUrl}}`,
  },
  'advisor-chat-unread': {
    subject: 'رسائل جديدة من {{clientName}}',
    mjml: section(`<mj-text>
      <p>رسائل بخصوص استشارتك مع <strong>{{clientName}}</strong> في {{start}} بانتظارك (غير المقروءة: {{unread}}).</p>
    </mj-text>
    <mj-button href="{{consultationUrl}}">اقرأ وردّ</mj-button>`),
    text: `رسائل بخصوص استشارتك مع {{clientName}} في {{start}} بانتظارك (غير المقروءة: {{unread}}).
اقرأ وردّ: {{consultationUrl}}
`,
  },
  'advisor-consultation-reminder': {
    subject: 'تذكير: الاستشارة مع {{clientName}} بعد 24 ساعة',
    mjml: section(`<mj-text>
      <p>تبدأ استشارتك مع <strong>{{clientName}}</strong> في {{start}}.</p>
      <p><strong>المدة:</strong> {{duration}}</p>
    </mj-text>
    ${joinButton}`),
    text: `تبدأ استشارتك مع {{clientName}} في {{start}}.
المدة: {{duration}}
{{#videoUrl}}مكالمة الفيديو: {{videoUrl}}
{{/videoUrl}}`,
  },
  'advisor-payout-processed': {
    subject: 'دفعتك عن {{month}}: {{amount}}',
    mjml: section(`<mj-text>
      <p>دفعتك عن {{month}} في طريقها إلى حسابك المصرفي عبر Stripe.</p>
      <p><strong>المبلغ:</strong> {{amount}}<br/><strong>عدد الاستشارات:</strong> {{consultations}}</p>
    </mj-text>
    <mj-button href="{{portalUrl}}">عرض أرباحك</mj-button>`),
    text: `دفعتك عن {{month}} في طريقها إلى حسابك المصرفي عبر Stripe.

المبلغ: {{amount}}
عدد الاستشارات: {{consultations}}

أرباحك: {{portalUrl}}
`,
  },
  'advisor-approve': {
    subject: 'تمت الموافقة على طلبك كمستشار',
    mjml: section(`<mj-text>
      <p>أهلًا بك يا {{displayName}}: تمت الموافقة على طلبك وأصبح ملفك ظاهرًا.</p>
      <p>أعدّ الدفعات لتتسلم أرباحك.</p>
      ${note}
    </mj-text>
    <mj-button href="{{dashboardUrl}}">افتح لوحة التحكم</mj-button>`),
    text: `أهلًا بك يا {{displayName}}: تمت الموافقة على طلبك وأصبح ملفك ظاهرًا.
أعدّ الدفعات لتتسلم أرباحك.
${noteText}
لوحة التحكم: {{dashboardUrl}}
`,
  },
  'advisor-reject': {
    subject: 'بخصوص طلبك كمستشار',
    mjml: section(`<mj-text>
      <p>شكرًا لتقديمك يا {{displayName}}. لا يمكننا الموافقة على طلبك في الوقت الحالي.</p>
      ${note}
      <p>يمكنك التقديم مجددًا بعد معالجة النقاط أعلاه.</p>
    </mj-text>`),
    text: `شكرًا لتقديمك يا {{displayName}}. لا يمكننا الموافقة على طلبك في الوقت الحالي.
${noteText}
يمكنك التقديم مجددًا بعد معالجة النقاط أعلاه.
`,
  },
  'advisor-suspend': {
    subject: 'تم تعليق ملفك كمستشار',
    mjml: section(`<mj-text>
      <p>تم تعليق ملفك ({{displayName}}): لم يعد يظهر في البحث ولا يقبل حجوزات جديدة.</p>
      ${note}
    </mj-text>`),
    text: `تم تعليق ملفك ({{displayName}}): لم يعد يظهر في البحث ولا يقبل حجوزات جديدة.
${noteText}`,
  },
  'advisor-reactivate': {
    subject: 'أصبح ملفك كمستشار نشطًا من جديد',
    mjml: section(`<mj-text>
      <p>أصبح ملفك ({{displayName}}) نشطًا من جديد ويقبل الحجوزات.</p>
      ${note}
    </mj-text>
    <mj-button href="{{dashboardUrl}}">افتح لوحة التحكم</mj-button>`),
    text: `أصبح ملفك ({{displayName}}) نشطًا من جديد ويقبل الحجوزات.
${noteText}
لوحة التحكم: {{dashboardUrl}}
`,
  },
};

export const ar: LanguagePack = {
  dir: 'rtl',
  layout: {
    brand: 'شبكة المستشارين',
    aClient: 'عميل',
    calendarTitle: 'استشارة مع {{advisorName}}',
    hello: 'مرحبًا،',
    helloNamed: 'مرحبًا {{firstName}}،',
    footer: 'تصلك هذه الرسالة لأن لديك حسابًا في شبكة المستشارين.',
    unsubscribe: {
      reminders: 'إيقاف رسائل التذكير',
      'rating-prompts': 'إيقاف طلبات التقييم',
    },
  },
  templates: { ...client, ...advisor },
  optOutPage: {
    title: 'تفضيلات البريد',
    confirm: {
      reminders: 'هل تريد إيقاف التذكيرات التي نرسلها قبل كل استشارة بـ 24 ساعة؟',
      'rating-prompts': 'هل تريد إيقاف طلبات تقييم الاستشارة بعد انتهائها؟',
    },
    button: 'نعم، أوقفها',
    done: {
      reminders: 'تم: لن تصلك بعد الآن تذكيرات الاستشارات.',
      'rating-prompts': 'تم: لن تصلك بعد الآن طلبات التقييم.',
    },
    invalid: 'هذا الرابط غير صالح. يُرجى استخدام الرابط من أحدث رسالة.',
  },
};
