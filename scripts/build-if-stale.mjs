// `npm start` runs the compiled server (dist/) with plain node, so that signals reach it. This runs
// before it (prestart): it compiles when dist is missing or older than a source file, so that
// `npm install && npm start` works on a fresh checkout and after a `git pull`, and costs ~0.1 s otherwise.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'dist', '.tsbuildinfo');
const entry = path.join(root, 'dist', 'src', 'main.js');

function newest(p) {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs; // a deleted or renamed file changes its directory
  for (const name of fs.readdirSync(p)) max = Math.max(max, newest(path.join(p, name)));
  return max;
}

const built = fs.existsSync(entry) ? (fs.statSync(stamp, { throwIfNoEntry: false })?.mtimeMs ?? 0) : 0;
const sources = ['src', 'migrations', 'tsconfig.json', 'tsconfig.build.json'].map((p) => newest(path.join(root, p)));
if (built >= Math.max(...sources)) process.exit(0);

const started = Date.now();
process.stdout.write(
  built ? 'dist is older than the sources: compiling (npm run build)...\n' : 'no build yet: compiling (npm run build)...\n',
);
const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
if (tsc.status !== 0) {
  process.stderr.write('the build failed: fix the errors above, or run `npm run dev` (no build needed)\n');
  process.exit(tsc.status ?? 1);
}
// tsc leaves its build info alone when no output changed; mark the build as current either way.
const now = new Date();
fs.utimesSync(stamp, now, now);
process.stdout.write(`compiled in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
