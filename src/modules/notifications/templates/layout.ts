import type { LanguagePack, OptOutKind, TemplateSource } from './types';

/**
 * The frame every email shares, as MJML: brand, greeting, the template's body, footer and, for
 * emails a reader may turn off, the opt-out link. Direction and alignment follow the language, so
 * Arabic reads right to left in the markup itself (lang and dir on <html>) and in the layout.
 */
export function layoutMjml(lang: string, pack: LanguagePack, body: TemplateSource, optOut: OptOutKind | undefined): string {
  const rtl = pack.dir === 'rtl';
  const align = rtl ? 'right' : 'left';
  const { layout } = pack;
  const unsubscribe = optOut ? `<br/><a href="{{unsubscribeUrl}}" style="color:#6b7280">${layout.unsubscribe[optOut]}</a>` : '';
  return `<mjml lang="${lang}" dir="${pack.dir}">
  <mj-head>
    <mj-title>{{subject}}</mj-title>
    <mj-attributes>
      <mj-all font-family="Helvetica, Arial, sans-serif" />
      <mj-section direction="${pack.dir}" />
      <mj-text font-size="15px" line-height="1.5" color="#1f2933" align="${align}" />
      <mj-button background-color="#1f6feb" color="#ffffff" font-size="15px" border-radius="6px" align="${align}" />
    </mj-attributes>
  </mj-head>
  <mj-body background-color="#f4f5f7">
    <mj-section padding="16px 0 8px"><mj-column><mj-text font-size="18px" font-weight="bold">${layout.brand}</mj-text></mj-column></mj-section>
    <mj-wrapper background-color="#ffffff" border-radius="8px" padding="8px 0">
      <mj-section padding="8px 0 0"><mj-column><mj-text>{{#firstName}}${layout.helloNamed}{{/firstName}}{{^firstName}}${layout.hello}{{/firstName}}</mj-text></mj-column></mj-section>
      ${body.mjml}
    </mj-wrapper>
    <mj-section><mj-column><mj-text font-size="12px" color="#6b7280">${layout.footer}${unsubscribe}</mj-text></mj-column></mj-section>
  </mj-body>
</mjml>`;
}

export function layoutText(pack: LanguagePack, body: TemplateSource, optOut: OptOutKind | undefined): string {
  const { layout } = pack;
  const unsubscribe = optOut ? `\n${layout.unsubscribe[optOut]}: {{unsubscribeUrl}}` : '';
  return `{{#firstName}}${layout.helloNamed}{{/firstName}}{{^firstName}}${layout.hello}{{/firstName}}

${body.text.trimEnd()}

--
${layout.brand}
${layout.footer}${unsubscribe}
`;
}

/**
 * The page behind an opt-out link (GET asks, POST does it): MJML too, so it looks like the emails
 * and no HTML is written by hand. The form posts back to the same signed URL.
 */
export function optOutPageMjml(lang: string, pack: LanguagePack): string {
  const align = pack.dir === 'rtl' ? 'right' : 'left';
  return `<mjml lang="${lang}" dir="${pack.dir}">
  <mj-head>
    <mj-title>{{title}}</mj-title>
    <mj-attributes>
      <mj-all font-family="Helvetica, Arial, sans-serif" />
      <mj-section direction="${pack.dir}" />
      <mj-text font-size="16px" line-height="1.5" color="#1f2933" align="${align}" />
    </mj-attributes>
  </mj-head>
  <mj-body background-color="#f4f5f7">
    <mj-section padding="16px 0 8px"><mj-column><mj-text font-size="18px" font-weight="bold">${pack.layout.brand}</mj-text></mj-column></mj-section>
    <mj-section background-color="#ffffff" border-radius="8px"><mj-column>
      <mj-text><p>{{message}}</p></mj-text>
      <mj-raw>{{#action}}<form method="post" action="{{action}}" style="margin:0 25px 16px"><input type="hidden" name="List-Unsubscribe" value="One-Click" /><button type="submit" style="background:#1f6feb;color:#ffffff;border:0;border-radius:6px;padding:10px 20px;font-size:15px">{{button}}</button></form>{{/action}}</mj-raw>
    </mj-column></mj-section>
  </mj-body>
</mjml>`;
}
