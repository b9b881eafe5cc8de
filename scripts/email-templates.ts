/**
 * Compiles the email templates' MJML to HTML (Mustache tags kept) into
 * src/modules/notifications/templates/compiled.json, so that the server never loads MJML: it cost
 * ~0.3 s of start-up and ~47 MiB of memory for a compile whose output only changes with the sources.
 *
 *   npm run emails           write compiled.json
 *   npm run emails -- --check  exit 1 when compiled.json is not what the sources compile to
 */
import fs from 'node:fs';
import path from 'node:path';
import mjml2html from 'mjml';
import { mjmlSources } from '../src/modules/notifications/templates/sources';

export const COMPILED_PATH = path.join(__dirname, '..', 'src', 'modules', 'notifications', 'templates', 'compiled.json');

/** Strict MJML: a broken template fails here (and in the test that runs this), not at a send. */
export async function compileEmailTemplates(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [key, source] of Object.entries(mjmlSources()).sort(([a], [b]) => a.localeCompare(b))) {
    const result = await Promise.resolve(mjml2html(source, { validationLevel: 'strict' }));
    if (result.errors.length) throw new Error(`MJML template ${key}: ${result.errors.map((e) => e.formattedMessage).join('; ')}`);
    out[key] = result.html;
  }
  return out;
}

export const serialize = (compiled: Record<string, string>) => JSON.stringify(compiled, null, 1) + '\n';

if (require.main === module) {
  void (async () => {
    const text = serialize(await compileEmailTemplates());
    if (process.argv.includes('--check')) {
      if (fs.readFileSync(COMPILED_PATH, 'utf8') !== text) {
        process.stderr.write(`${path.relative(process.cwd(), COMPILED_PATH)} is stale: run npm run emails\n`);
        process.exit(1);
      }
      return;
    }
    fs.writeFileSync(COMPILED_PATH, text);
    process.stdout.write(`wrote ${path.relative(process.cwd(), COMPILED_PATH)}\n`);
  })();
}
