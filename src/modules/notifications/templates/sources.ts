import type { Lang } from '../format';
import { ar } from './ar';
import { en } from './en';
import { layoutMjml, optOutPageMjml } from './layout';
import { OPT_OUT, type LanguagePack, type TemplateId } from './types';

export const PACKS: Record<Lang, LanguagePack> = { en, ar };

/** The key of a compiled page in templates/compiled.json: `en:consultation-booked`, `ar:opt-out-page`. */
export const pageKey = (lang: Lang, page: TemplateId | 'opt-out-page') => `${lang}:${page}`;

/** Every page's MJML source by key: what `npm run emails` compiles into templates/compiled.json. */
export function mjmlSources(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const lang of Object.keys(PACKS) as Lang[]) {
    const pack = PACKS[lang];
    for (const id of Object.keys(pack.templates) as TemplateId[])
      out[pageKey(lang, id)] = layoutMjml(lang, pack, pack.templates[id], OPT_OUT[id]);
    out[pageKey(lang, 'opt-out-page')] = optOutPageMjml(lang, pack);
  }
  return out;
}
